"""`fleet replay STACK_FILE TRACE --speed 60`: run a trace on the stack's live cluster.

Predicts the trace first (as `fleet expect --trace` does), probes the lab at the speed
(`--speed auto`: finds the highest speed the lab holds; a speed it cannot hold is refused
unless `--force`), creates each job at its arrival time divided by the speed, shows
progress and how far the lab is behind until every job has finished, and writes
`replay.json` (predicted, observed, the lags and the verdict) for `fleet report`. Ctrl-C
stops creating jobs and says how to remove those created (`fleet replay-clean`).
"""

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from kubernetes.client.exceptions import ApiException
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from urllib3.exceptions import HTTPError

from fleet.commands.output import console, print_table
from fleet.commands.tables import comparison_table
from fleet.evidence.connect import connect, first_line, kubeconfig_and_context, stack_cluster
from fleet.files import files_out
from fleet.imports.pools import InputError
from fleet.replay import driver
from fleet.replay.compare import compare
from fleet.replay.document import REPLAY_FILE, ReplayDocument, dump
from fleet.replay.fidelity import STAGES, bound_s, fidelity, job_marks, summary
from fleet.replay.fleet_nodes import for_stack, gpu_nodes, node_gpus
from fleet.replay.forecast import forecast, unschedulable
from fleet.replay.jobs import DEFAULT_NAMESPACE, pool_sizes, scheduler_shape
from fleet.replay.observe import observed_runs
from fleet.replay.probe import ProbeResult, fastest, probe
from fleet.replay.score_ties import score_ties
from fleet.stack.load import load_whole_gpu_stack
from fleet.stack.spec import FleetSpec
from fleet.trace.csv_file import read_trace
from fleet.trace.model import TraceRow

EXIT_FAILED = 1
EXIT_REFUSED = 2
EXIT_INTERRUPTED = 130
AUTO = "auto"
# Wall seconds allowed beyond the prediction's latest end (divided by the speed).
TIMEOUT_MARGIN_S = 120.0
LOG_EVERY_S = 15.0


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be greater than 0 (got {text})")
    return value


def speed(text: str) -> float | None:
    """A speed, or None for `auto`."""
    return None if text == AUTO else positive(text)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "replay", help="run a job trace on the stack's cluster, predicted beside observed"
    )
    parser.add_argument("stack_file", help="path to stacks/Pulumi.<stack>.yaml")
    parser.add_argument("trace", help="job trace CSV (docs/replay.md)")
    parser.add_argument(
        "--speed",
        type=speed,
        default=60.0,
        help="trace seconds per wall second (default 60), or `auto`: the highest speed a probe "
        "of the trace's busiest stretch finds the lab can hold",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replay at --speed even when the probe finds the lab cannot hold it "
        "(the report then says whether the run drifted)",
    )
    parser.add_argument("--no-probe", action="store_true", help="skip the probe before the replay")
    parser.add_argument(
        "--out", type=Path, help="folder for replay.json and jobs.txt (default: replays/<stack>)"
    )
    parser.add_argument("--namespace", default=DEFAULT_NAMESPACE, help="namespace of the Jobs")
    parser.add_argument(
        "--scheduler",
        help="schedulerName of the pods (default: the stack's scheduler's: kube-scheduler's, "
        "or kai-scheduler on a kai stack)",
    )
    parser.add_argument(
        "--timeout",
        type=positive,
        help="wall seconds to wait for the jobs after the last is created "
        f"(default: the prediction's latest end over the speed, plus {TIMEOUT_MARGIN_S:.0f})",
    )
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: as `gpu-fleet evidence`)")
    parser.add_argument("--context", help="kubeconfig context")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    stderr = console(stderr=True)
    if args.speed is None and args.no_probe:
        raise InputError("--speed", ["auto needs the probe: leave out --no-probe"])
    spec = load_whole_gpu_stack(args.stack_file, "replay")
    rows = for_stack(read_trace(args.trace), spec)
    nodes = gpu_nodes(spec)
    _check_teams(args.trace, spec, rows)
    stuck = unschedulable(rows, nodes)
    if stuck:
        raise InputError(
            args.trace,
            [
                f"job {row.job}: {row.asks} per pod on {row.constraint} fit on no node of the "
                f"fleet (its GPUs are offered by {spec.gpu_offer}); the replay would never finish"
                for row in stuck
            ],
        )
    out: Path = args.out or Path("replays") / Path(args.stack_file).stem.removeprefix("Pulumi.")
    files_out.make_folder(out)
    files_out.check_file(out / REPLAY_FILE)
    stderr.print(f"predicting {len(rows)} jobs on {spec.total_gpus} GPUs ...")
    prediction = forecast(rows, nodes)
    for caveat in score_ties(spec, rows).caveats():
        stderr.print(f"caveat (prediction): {caveat}")
    latest = prediction.bounds_table()["end_s"][1]
    replay_id = time.strftime("%Y%m%d-%H%M%S")
    bound = bound_s(rows, prediction.timeline.mean_wait_s)
    kubeconfig, context = kubeconfig_and_context(spec, args.kubeconfig, args.context)
    cluster = stack_cluster(spec, args.stack_file)
    api = connect(kubeconfig, context, cluster)
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    clean = f"gpu-fleet replay-clean {args.stack_file} --namespace {args.namespace}"
    probes: list[ProbeResult] = []
    try:

        def attempt(at: float) -> ProbeResult:
            stderr.print(f"probing the lab at {at:g}x ...")
            result = probe(api, rows, bound, at, args.namespace, replay_id, out)
            stderr.print(result.describe())
            probes.append(result)
            return result

        chosen = _choose_speed(args, attempt, stderr)
        if chosen is None:
            return EXIT_REFUSED
        plan = driver.ReplayPlan(
            rows,
            args.namespace,
            replay_id,
            chosen,
            scheduler_shape(spec.scheduler, args.scheduler, pool_sizes(spec)),
            args.timeout or latest / chosen + TIMEOUT_MARGIN_S,
            job_marks(rows, chosen, prediction.central),
        )
        result = _run_with_progress(api, plan, out, sum(row.pods for row in rows))
    except KeyboardInterrupt:
        stderr.print(
            f"interrupted: the jobs created so far are listed in {out / 'jobs.txt'} "
            f"(label gpu-fleet.dev/replay={replay_id}); remove every replay's jobs with:\n  {clean}"
        )
        return EXIT_INTERRUPTED
    except (ApiException, HTTPError) as error:
        stderr.print(
            f"replay failed: {first_line(error)}; {cluster}\nremove its jobs with:\n  {clean}"
        )
        return EXIT_FAILED
    except driver.ReplayError as error:
        stderr.print(f"replay failed: {first_line(error)}\nremove its jobs with:\n  {clean}")
        return EXIT_FAILED
    finally:
        api.close()  # type: ignore[no-untyped-call]
    observed = observed_runs(rows, nodes, result.pods, chosen)
    lags = sorted(result.create_lag_s) or [0.0]
    found = fidelity(
        bound,
        plan.marks,
        result.created,
        result.pods,
        chosen,
        result.finished,
        result.series,
        node_gpus(nodes),
    )
    document = ReplayDocument(
        stack_file=str(args.stack_file),
        spec=spec.model_dump(mode="json", by_alias=True),
        namespace=args.namespace,
        replay=replay_id,
        speed=chosen,
        scheduler=spec.scheduler,
        started_at=started_at,
        wall_s=result.wall_s,
        finished=result.finished,
        jobs_created=result.jobs_created,
        create_lag_s={"median": lags[len(lags) // 2], "max": lags[-1]},
        rows=list(rows),
        predicted=prediction.central,
        predicted_bounds=prediction.bounds_table(),
        observed=observed,
        fidelity=found,
        probes=probes,
    )
    files_out.write_text(out / REPLAY_FILE, dump(document))
    shown = console()
    comparison = compare(rows, nodes, prediction.central, observed, document.predicted_bounds)
    seen = comparison.observed
    title = (
        f"{args.trace}: {seen.jobs_finished}/{seen.jobs} jobs finished in {result.wall_s:,.0f} s"
    )
    print_table(shown, comparison_table(comparison.figures, title))
    parts = comparison.waits
    shown.print(
        f"observed wait from arrival (trace s, mean): pod created {parts.pod_created:,.0f}, "
        f"bound {parts.bound:,.0f}, running {parts.running:,.0f}; pods predicted to start at "
        f"once waited {parts.overhead:,.0f}; pods ran {parts.overrun:,.0f} beyond their duration",
        markup=False,
    )
    shown.print(summary(found).replace("**", ""), markup=False)
    shown.print(f"{out / REPLAY_FILE}: written; the report: gpu-fleet report {out}")
    shown.print(f"remove the jobs with: {clean}")
    return 0 if result.finished else EXIT_FAILED


def _choose_speed(
    args: argparse.Namespace, attempt: Callable[[float], ProbeResult], stderr: Console
) -> float | None:
    """The speed to replay at: `--speed` once its probe holds (or with `--force`, or
    `--no-probe`), or for `auto` the fastest that holds; None (said why) when refused."""
    if args.speed is None:
        found, _ = fastest(attempt)
        if found is None:
            stderr.print("refused: the lab cannot hold the trace even at 1x (see the probes above)")
        else:
            stderr.print(f"--speed auto: replaying at {found:g}x, the highest speed that held")
        return found
    if args.no_probe:
        stderr.print("no probe: whether the lab keeps up is known only from the run itself")
        return float(args.speed)
    result = attempt(args.speed)
    if result.holds:
        return float(args.speed)
    if args.force:
        stderr.print(f"--force: replaying at {args.speed:g}x although the probe did not hold")
        return float(args.speed)
    stderr.print(
        f"refused: the lab cannot hold the trace at {args.speed:g}x; try --speed auto (the "
        "highest speed that holds), a lower --speed, or --force to replay anyway (the report "
        "will say whether the run drifted)"
    )
    return None


def _check_teams(trace: str, spec: FleetSpec, rows: list[TraceRow]) -> None:
    """On a kueue or kai stack every job names one of its teams: a job outside every queue
    would bypass the quotas (Kueue) or never be scheduled (KAI)."""
    if spec.scheduler == "default":
        return
    teams = ", ".join(spec.teams) or "none"
    problems = [
        f"job {row.job}: team {row.team or '(none)'} is not a team of the stack "
        f"(gpu-fleet:scheduler {spec.scheduler}; its teams: {teams})"
        for row in rows
        if row.team not in spec.teams
    ]
    if problems:
        raise InputError(trace, problems)


def _run_with_progress(
    api: object, plan: driver.ReplayPlan, out: Path, pods: int
) -> driver.ReplayRun:
    """A progress bar on a terminal; elsewhere (CI logs) a line every `LOG_EVERY_S`."""
    log = console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} pods finished"),
        TimeElapsedColumn(),
    )
    logged = [0.0]
    # Off a terminal the bar is not drawn (its last frame would be cut to a width).
    with Progress(*columns, console=log, transient=False, disable=not log.is_terminal) as progress:
        task = progress.add_task("replay", total=pods)

        def tick(state: driver.Progress) -> None:
            trace_time = state.wall_s * state.speed
            behind = " ".join(f"{stage} {state.lags.get(stage, 0.0):.1f}" for stage in STAGES)
            line = (
                f"trace {trace_time / 3600:5.2f} h  jobs {state.jobs_created}/{state.jobs}  "
                f"running {state.pods['running']}  waiting {state.pods['waiting']}  "
                f"behind (wall s): {behind}"
            )
            progress.update(task, completed=state.pods["finished"], description=line)
            if not log.is_terminal and state.wall_s - logged[0] >= LOG_EVERY_S:
                logged[0] = state.wall_s
                log.print(f"{state.wall_s:6.0f}s  {line}  finished {state.pods['finished']}")

        return driver.run(api, plan, out, tick)  # type: ignore[arg-type]
