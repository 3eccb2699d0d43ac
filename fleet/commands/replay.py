"""`fleet replay STACK_FILE TRACE --speed 60`: run a trace on the stack's live cluster.

Predicts the trace first (as `fleet expect --trace` does), creates each job at its arrival
time divided by the speed, shows progress until every job has finished, and writes
`replay.json` (predicted and observed) for `fleet report`. Ctrl-C stops creating jobs
and says how to remove those created (`fleet replay-clean`).
"""

import argparse
import time
from pathlib import Path

from kubernetes.client.exceptions import ApiException
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from urllib3.exceptions import HTTPError

from fleet.commands.expect import PIPED_WIDTH
from fleet.commands.tables import comparison_table, print_table
from fleet.evidence.connect import connect, first_line, kubeconfig_and_context
from fleet.files import files_out
from fleet.imports.pools import InputError
from fleet.replay import driver
from fleet.replay.compare import compare
from fleet.replay.document import REPLAY_FILE, ReplayDocument, dump
from fleet.replay.fleet_nodes import for_stack, gpu_nodes
from fleet.replay.forecast import forecast, unschedulable
from fleet.replay.jobs import DEFAULT_NAMESPACE, pool_sizes, scheduler_shape
from fleet.replay.observe import observed_runs
from fleet.stack.load import load_stack_file
from fleet.stack.spec import FleetSpec
from fleet.trace.csv_file import read_trace
from fleet.trace.model import TraceRow

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
# Wall seconds allowed beyond the prediction's latest end (divided by the speed).
TIMEOUT_MARGIN_S = 120.0
LOG_EVERY_S = 15.0


def positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0 (got {text})")
    return value


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "replay", help="run a job trace on the stack's cluster, predicted beside observed"
    )
    parser.add_argument("stack_file", help="path to stacks/Pulumi.<stack>.yaml")
    parser.add_argument("trace", help="job trace CSV (docs/replay.md)")
    parser.add_argument(
        "--speed", type=positive, default=60.0, help="trace seconds per wall second (default 60)"
    )
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
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: as `fleet evidence`)")
    parser.add_argument("--context", help="kubeconfig context")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    stderr = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
    spec = load_stack_file(args.stack_file)
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
    latest = prediction.bounds_table()["end_s"][1]
    replay_id = time.strftime("%Y%m%d-%H%M%S")
    plan = driver.ReplayPlan(
        rows,
        args.namespace,
        replay_id,
        args.speed,
        scheduler_shape(spec.scheduler, args.scheduler, pool_sizes(spec)),
        args.timeout or latest / args.speed + TIMEOUT_MARGIN_S,
    )
    kubeconfig, context = kubeconfig_and_context(spec, args.kubeconfig, args.context)
    api = connect(kubeconfig, context)
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    clean = f"python -m fleet replay-clean {args.stack_file} --namespace {args.namespace}"
    try:
        result = _run_with_progress(api, plan, out, sum(row.pods for row in rows))
    except KeyboardInterrupt:
        stderr.print(
            f"interrupted: the jobs created so far are listed in {out / 'jobs.txt'} "
            f"(label gpu-fleet.dev/replay={replay_id}); remove every replay's jobs with:\n  {clean}"
        )
        return EXIT_INTERRUPTED
    except (driver.ReplayError, ApiException, HTTPError) as error:
        stderr.print(f"replay failed: {first_line(error)}\nremove its jobs with:\n  {clean}")
        return EXIT_FAILED
    finally:
        api.close()  # type: ignore[no-untyped-call]
    observed = observed_runs(rows, nodes, result.pods, args.speed)
    lags = sorted(result.create_lag_s) or [0.0]
    document = ReplayDocument(
        stack_file=str(args.stack_file),
        spec=spec.model_dump(mode="json", by_alias=True),
        namespace=args.namespace,
        replay=replay_id,
        speed=args.speed,
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
    )
    files_out.write_text(out / REPLAY_FILE, dump(document))
    console = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)
    if not console.is_terminal:  # piped or captured: keep each row on one line
        console.width = PIPED_WIDTH
    comparison = compare(rows, nodes, prediction.central, observed, document.predicted_bounds)
    seen = comparison.observed
    title = (
        f"{args.trace}: {seen.jobs_finished}/{seen.jobs} jobs finished in {result.wall_s:,.0f} s"
    )
    print_table(console, comparison_table(comparison.figures, title))
    parts = comparison.waits
    console.print(
        f"observed wait from arrival (trace s, mean): pod created {parts.pod_created:,.0f}, "
        f"bound {parts.bound:,.0f}, running {parts.running:,.0f}; pods predicted to start at "
        f"once waited {parts.overhead:,.0f}; pods ran {parts.overrun:,.0f} beyond their duration",
        markup=False,
    )
    console.print(f"{out / REPLAY_FILE}: written; the report: python -m fleet report {out}")
    console.print(f"remove the jobs with: {clean}")
    return 0 if result.finished else EXIT_FAILED


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
    console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} pods finished"),
        TimeElapsedColumn(),
    )
    logged = [0.0]
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("replay", total=pods)

        def tick(state: driver.Progress) -> None:
            trace_time = state.wall_s * state.speed
            line = (
                f"trace {trace_time / 3600:5.2f} h  jobs {state.jobs_created}/{state.jobs}  "
                f"running {state.pods['running']}  waiting {state.pods['waiting']}"
            )
            progress.update(task, completed=state.pods["finished"], description=line)
            if not console.is_terminal and state.wall_s - logged[0] >= LOG_EVERY_S:
                logged[0] = state.wall_s
                console.print(f"{state.wall_s:6.0f}s  {line}  finished {state.pods['finished']}")

        return driver.run(api, plan, out, tick)  # type: ignore[arg-type]
