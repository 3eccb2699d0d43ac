"""`make bench-replay`: a trace of 8,000 pods in the Alibaba 2023 shape on a fleet of 1,200
nodes / 6,000 GPUs, under the real engine, replayed by `fleet replay`.

Writes node and pod lists in the cluster-trace-gpu-v2023 layout (benchmarks/alibaba_shape.py),
imports them with `fleet import-alibaba` (a stack's pools and a trace), brings the fleet up
with `pulumi up` (nodeResources perPool, KWOK from the program's `Kwok` component, the
operator's device plugin on the host) on a kwokctl control plane without client rate
limits (the Job controller syncing 50 Jobs at a time, KWOK playing 16 stages at a time),
replays the trace at `--speed`, and times `fleet report` on the result. Figures go
to benchmarks/results/replay.json as rows of `metric`, `value`, `unit` and `pool`; the
report (Markdown and HTML) to benchmarks/results/replay/. Nothing is asserted here.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.alibaba_shape import write_nodes, write_pods
from fleet.replay.compare import compare
from fleet.replay.document import load_replay
from fleet.replay.fleet_nodes import gpu_nodes
from fleet.stack.load import load_stack_file
from lab import tools
from lab.paths import ROOT
from lab.replay_fleet import replay_fleet

RESULTS = Path(__file__).parent / "results"
OPERATOR = "0.2.0"  # one exporter for all fake nodes
# One Job per pod, thousands at once: the Job controller syncs 5 Jobs at a time by
# default, and KWOK plays 4 pod stages at a time as its release configures it.
JOB_SYNCS = 50
CONTROL_PLANE_ARGS = (f"kube-controller-manager=concurrent-job-syncs={JOB_SYNCS}",)
KWOK_PARALLELISM = 16


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
    page = str((folder / "report.html").relative_to(ROOT))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.replay", description=__doc__)
    parser.add_argument("--speed", default="60")
    parser.add_argument("--pods", type=int, default=8000)
    parser.add_argument("--span", type=float, default=18_000, help="trace seconds of arrivals")
    parser.add_argument("--median-run", type=float, default=2400, help="trace seconds")
    parser.add_argument("--out", type=Path, default=RESULTS / "replay.json")
    args = parser.parse_args(argv)
    binaries = tools.ensure_tools()
    engine = tools.ensure_engine(binaries)
    folder = args.out.parent / args.out.stem
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as scratch:
        work = Path(scratch)
        write_nodes(work / "nodes.csv")
        write_pods(
            work / "pods.csv", pods=args.pods, span_s=args.span, median_run_s=args.median_run
        )
        trace = work / "trace.csv"
        fleet("import-alibaba", str(work / "nodes.csv"), str(work / "pods.csv"), "--stack",
              "alibaba", "--stacks-dir", str(work), "--trace", str(trace))  # fmt: skip
        imported = yaml.safe_load((work / "Pulumi.alibaba.yaml").read_text())
        pools = imported["config"]["gpu-fleet:pools"]
        started = time.monotonic()
        with replay_fleet(
            binaries, engine, work / "fleet", "bench-replay", pools,
            operator=OPERATOR, unlimited_qps=True, extra_args=CONTROL_PLANE_ARGS,
            kwok_parallelism=KWOK_PARALLELISM,
        ) as created:  # fmt: skip
            print(f"== fleet up and Ready in {time.monotonic() - started:.0f}s", flush=True)
            stack_file = created.stack.stack_file
            fleet(
                "replay", str(stack_file), str(trace), "--speed", args.speed, "--out", str(folder)
            )
            began = time.monotonic()
            fleet("report", str(folder))
            report_s = time.monotonic() - began
            rows = rows_of(folder, report_s, stack_file)
    args.out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"rows written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
