"""`make bench-replay`: a trace of 8,000 pods in the Alibaba 2023 shape on a fleet of 1,200
nodes / 6,000 GPUs, under the real engine, replayed by `fleet replay`, `--runs` times (3),
each on a fresh control plane.

Writes node and pod lists in the cluster-trace-gpu-v2023 layout (benchmarks/alibaba_shape.py),
imports them with `fleet import-alibaba` (a stack's pools and a trace), and per run brings
the fleet up with `pulumi up` (nodeResources perPool, KWOK from the program's `Kwok`
component, the operator's device plugin on the host) on a kwokctl control plane without
client rate limits (the Job controller syncing `--job-syncs` Jobs at a time, KWOK playing
`--kwok-parallelism` stages at a time), replays the trace at `--speed` (`auto` by default: the
fastest speed whose probe holds, so that runs on any machine are faithful ones; a given
speed gets its probe first and `--force`, so that one the lab cannot hold still runs and
is reported drifted),
samples the CPU seconds of every process of the lab during the replay, and times `fleet
report` on the result. Figures go to benchmarks/results/replay.json: the conditions
(machine, settings), each run's rows of `metric`, `value`, `unit` (and `pool`), and per
metric the median of the runs with their lowest, highest and spread; the last run's
report (Markdown and HTML) to benchmarks/results/replay/. Nothing is asserted here.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from benchmarks.alibaba_shape import write_nodes, write_pods
from benchmarks.process_usage import Pids, pid_file_reader, sampled
from fleet.replay.compare import compare
from fleet.replay.document import ReplayDocument, load_replay
from fleet.replay.fleet_nodes import gpu_nodes
from fleet.stack.load import load_stack_file
from lab import tools
from lab.paths import ROOT
from lab.replay_fleet import ReplayFleet, replay_fleet

RESULTS = Path(__file__).parent / "results"
OPERATOR = "0.2.0"  # one exporter for all fake nodes
# One Job per pod, thousands at once: the Job controller syncs 5 Jobs at a time by
# default, and KWOK plays 4 pod stages at a time as its release configures it.
JOB_SYNCS = 50
CONTROL_PLANE_ARGS = (f"kube-controller-manager=concurrent-job-syncs={JOB_SYNCS}",)
KWOK_PARALLELISM = 16
RUNS = 3


def fleet(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "fleet", *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    print(done.stdout[-4000:], done.stderr[-2000:], sep="\n", flush=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args[:1])} failed with {done.returncode}")
    return done


def row(metric: str, value: Any, unit: str, **more: Any) -> dict[str, Any]:
    return {"metric": metric, "value": value, "unit": unit, **more}


def rows_of(folder: Path, report_s: float, stack_file: Path) -> list[dict[str, Any]]:
    document = load_replay(folder)
    nodes = gpu_nodes(load_stack_file(stack_file))
    comparison = compare(
        document.rows, nodes, document.predicted, document.observed, document.predicted_bounds
    )
    predicted, observed, waits = comparison.predicted, comparison.observed, comparison.waits
    bounds = document.predicted_bounds
    rows = [
        row("wall_s", round(document.wall_s, 1), "s"),
        row("jobs", observed.jobs, "jobs"),
        row("pods", observed.pods, "pods"),
        row("jobs_finished", observed.jobs_finished, "jobs"),
        row("speed", document.speed, "trace s per wall s"),
    ]
    for pool, hours in predicted.gpu_hours.items():
        low, high = bounds[f"gpu_hours:{pool}"]
        span = [round(low, 2), round(high, 2)]
        rows.append(
            row("gpu_hours_predicted", round(hours, 2), "GPU-hours", pool=pool, bounds=span)
        )
        rows.append(
            row("gpu_hours_observed", round(observed.gpu_hours[pool], 2), "GPU-hours", pool=pool)
        )
    low, high = bounds["mean_wait_s"]
    stranded = (
        sum(predicted.stranded_gpu_hours.values()),
        sum(observed.stranded_gpu_hours.values()),
    )
    page = os.path.relpath(folder / "report.html", ROOT)
    return [
        *rows,
        row(
            "mean_wait_predicted_s",
            round(predicted.mean_wait_s, 1),
            "trace s",
            bounds=[round(low, 1), round(high, 1)],
        ),
        row("mean_wait_observed_s", round(observed.mean_wait_s, 1), "trace s"),
        row("mean_wait_observed_pod_created_s", round(waits.pod_created, 1), "trace s"),
        row("mean_wait_observed_bound_s", round(waits.bound, 1), "trace s"),
        row("mean_wait_observed_not_queued_s", round(waits.overhead, 1), "trace s"),
        row("stranded_gpu_hours_predicted", round(stranded[0], 1), "GPU-hours"),
        row("stranded_gpu_hours_observed", round(stranded[1], 1), "GPU-hours"),
        row("create_lag_max_s", round(document.create_lag_s["max"], 2), "s"),
        row("report_s", round(report_s, 2), "s"),
        row("report_html", page, "path"),
    ]


def fidelity_rows(document: ReplayDocument) -> list[dict[str, Any]]:
    """The lab's lag behind the trace per stage (p95 and median, wall seconds), the verdict,
    and the probe's latency before the run."""
    rows = []
    if document.fidelity is not None:
        found = document.fidelity
        rows.append(row("faithful", found.faithful, "bool", causes=found.causes))
        rows.append(row("lag_bound_s", round(found.bound_s, 1), "trace s"))
        for stage, figures in found.stages.items():
            rows.append(row(f"lag_{stage}_p95_s", round(figures.p95, 3), "s"))
            rows.append(row(f"lag_{stage}_median_s", round(figures.median, 3), "s"))
    for probe in document.probes[-1:]:
        rows.append(row("probe_start_latency_s", round(probe.start_latency_s, 3), "s"))
        rows.append(row("probe_holds", probe.holds, "bool"))
    return rows


def replay_with_usage(
    created: ReplayFleet, stack_file: Path, trace: Path, speed: str, folder: Path
) -> tuple[dict[str, float], float]:
    """`fleet replay` while sampling the CPU seconds of each process of the lab; the CPU
    seconds per role and the replay's wall seconds."""
    cluster = created.cluster
    pids = cluster.workdir / "clusters" / cluster.name / "pids"
    command = [sys.executable, "-m", "fleet", "replay", str(stack_file), str(trace),
               "--speed", speed, "--force", "--out", str(folder)]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    roles: dict[str, Pids] = {
        "apiserver": pid_file_reader(pids / "kube-apiserver.pid"),
        "etcd": pid_file_reader(pids / "etcd.pid"),
        "scheduler": pid_file_reader(pids / "kube-scheduler.pid"),
        "controller_manager": pid_file_reader(pids / "kube-controller-manager.pid"),
        "kwok": lambda: _pids(created, "kwok"),
        "operator": lambda: _pids(created, "operator"),
        "replay": lambda: [process.pid] if process.poll() is None else [],
    }
    started = time.monotonic()
    with sampled(roles) as usage:
        stdout, stderr = process.communicate()
    wall = time.monotonic() - started
    print(stdout.decode()[-4000:], stderr.decode()[-3000:], sep="\n", flush=True)
    if process.returncode not in (0, 1):
        raise SystemExit(f"replay failed with {process.returncode}")
    return {role: round(usage.cpu_s(role), 1) for role in roles}, wall


def _pids(created: ReplayFleet, kind: str) -> list[int]:
    """KWOK's controllers (`kwok`) or the operator's commands (the rest) on the host."""
    return [
        command.process.pid
        for command in created.supervisor.commands
        if command.process is not None and (command.argv[0] == "kwok") == (kind == "kwok")
    ]


def one_run(
    args: argparse.Namespace,
    binaries: dict[str, Path],
    engine: tools.Engine,
    work: Path,
    pools: dict[str, Any],
    number: int,
) -> list[dict[str, Any]]:
    folder = args.out.parent / args.out.stem
    folder.mkdir(parents=True, exist_ok=True)
    for listing in (folder / "jobs.txt", folder / "probe" / "jobs.txt"):
        listing.unlink(missing_ok=True)  # each run lists its own Jobs
    load = os.getloadavg()[0]
    started = time.monotonic()
    with replay_fleet(
        binaries, engine, work / f"fleet-{number}", f"bench-replay-{number}", pools,
        operator=OPERATOR, unlimited_qps=True,
        extra_args=(f"kube-controller-manager=concurrent-job-syncs={args.job_syncs}",),
        kwok_parallelism=args.kwok_parallelism,
    ) as created:  # fmt: skip
        up = time.monotonic() - started
        print(f"== run {number}: fleet up and Ready in {up:.0f}s", flush=True)
        stack_file = created.stack.stack_file
        cpu, _ = replay_with_usage(created, stack_file, work / "trace.csv", args.speed, folder)
        began = time.monotonic()
        fleet("report", str(folder))
        report_s = time.monotonic() - began
        rows = rows_of(folder, report_s, stack_file)
        document = load_replay(folder)
    return [
        row("run", number, "run"),
        row("load_average_before", round(load, 2), "1-minute load"),
        row("fleet_ready_s", round(up, 1), "s"),
        *rows,
        *fidelity_rows(document),
        *(row("cpu_s", seconds, "CPU s", role=role) for role, seconds in cpu.items()),
    ]


def medians(runs: Sequence[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per numeric metric (and pool, role): the median of the runs, lowest, highest and the
    spread (highest minus lowest over the median)."""
    keyed: dict[tuple[str, str, str], list[float]] = {}
    units: dict[tuple[str, str, str], str] = {}
    for rows in runs:
        for item in rows:
            value = item["value"]
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            key = (item["metric"], item.get("pool", ""), item.get("role", ""))
            keyed.setdefault(key, []).append(float(value))
            units[key] = item["unit"]
    table = []
    for (metric, pool, role), values in keyed.items():
        middle = statistics.median(values)
        spread = (max(values) - min(values)) / middle if middle else 0.0
        extra = {**({"pool": pool} if pool else {}), **({"role": role} if role else {})}
        table.append(
            row(metric, round(middle, 3), units[(metric, pool, role)], low=min(values),
                high=max(values), spread=round(spread, 4), runs=len(values), **extra)
        )  # fmt: skip
    return table


def conditions(args: argparse.Namespace) -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "speed": args.speed,
        "pods": args.pods,
        "span_s": args.span,
        "median_run_s": args.median_run,
        "runs": args.runs,
        "settings": {
            "kwokctl": "--disable-qps-limits (no client-side rate limits)",
            "kube-controller-manager --concurrent-job-syncs": args.job_syncs,
            "kwok podPlayStageParallelism / nodePlayStageParallelism": args.kwok_parallelism,
            "fleet replay": f"--speed {args.speed} --force (probe first, recorded)",
            "nodeResources": "perPool",
            "operator": OPERATOR,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.replay", description=__doc__)
    parser.add_argument(
        "--speed", default="auto", help="a speed, or auto: the fastest its probe holds"
    )
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--pods", type=int, default=8000)
    parser.add_argument("--span", type=float, default=18_000, help="trace seconds of arrivals")
    parser.add_argument("--median-run", type=float, default=2400, help="trace seconds")
    parser.add_argument("--job-syncs", type=int, default=JOB_SYNCS)
    parser.add_argument("--kwok-parallelism", type=int, default=KWOK_PARALLELISM)
    parser.add_argument("--out", type=Path, default=RESULTS / "replay.json")
    args = parser.parse_args(argv)
    binaries = tools.ensure_tools()
    engine = tools.ensure_engine(binaries)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as scratch:
        work = Path(scratch)
        write_nodes(work / "nodes.csv")
        write_pods(
            work / "pods.csv", pods=args.pods, span_s=args.span, median_run_s=args.median_run
        )
        fleet("import-alibaba", str(work / "nodes.csv"), str(work / "pods.csv"), "--stack",
              "alibaba", "--stacks-dir", str(work), "--trace", str(work / "trace.csv"))  # fmt: skip
        imported = yaml.safe_load((work / "Pulumi.alibaba.yaml").read_text())
        pools = imported["config"]["gpu-fleet:pools"]
        for number in range(1, args.runs + 1):
            runs.append(one_run(args, binaries, engine, work, pools, number))
            document = {"conditions": conditions(args), "runs": runs, "median": medians(runs)}
            args.out.write_text(json.dumps(document, indent=1) + "\n")
            print(f"run {number} written to {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
