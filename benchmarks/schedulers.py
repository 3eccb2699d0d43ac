"""`make bench-schedulers`: the same trace on the same fleet under each scheduler (the default
scheduler, Kueue, KAI-Scheduler), side by side.

The fleet is stacks/Pulumi.large-1k.yaml's (1,000 nodes, 6,400 GPUs; `--nodes` scales
its pools for a smaller rehearsal), with three teams of unequal quotas (`TEAM_SHARES` of
every pool, no borrowing limit) and the program's stack for each scheduler: `pulumi up`
on a fresh kwokctl control plane installs its release, teams and queues (none for the
default scheduler), its controllers run on the host as the e2e tier runs them. One
`big-job-mix` trace (each job's team drawn uniformly, so that demand is equal and
quotas are not; some jobs are gangs of whole-node pods) is generated once from the
kueue stack and replayed by `fleet replay` on each, each job submitted the way the
stack's scheduler takes it (docs/schedulers.md, "Comparing schedulers").

Client rate limits are lifted for every scheduler alike: the control plane's
(kube-scheduler, the Job controller) by kwokctl, Kueue's manager and KAI's controllers
by `CLIENT_LIMITS`; otherwise their defaults (50 requests/s) would be what is measured.

Writes benchmarks/results/schedulers.json (rows: scheduler, metric, value, unit) and
benchmarks/results/schedulers.svg, and prints the table. Nothing is asserted here.
"""

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.replay import CONTROL_PLANE_ARGS, JOB_SYNCS, KWOK_PARALLELISM, OPERATOR, fleet
from fleet.commands.output import console, print_table
from fleet.comparison.metrics import Interval, contended_window, intersect, scheduler_figures
from fleet.comparison.rows import Row, comparison_table, markdown_table, row, scheduler_rows
from fleet.replay.document import load_replay
from fleet.replay.fleet_nodes import gpu_nodes
from fleet.report.charts import scheduler_comparison
from fleet.stack.spec import FleetSpec
from fleet.trace.csv_file import read_trace
from lab import tools
from lab.paths import STACKS_DIR
from lab.replay_fleet import replay_fleet

RESULTS = Path(__file__).parent / "results"
SCHEDULERS = ("default", "kueue", "kai")
FLEET_STACK = STACKS_DIR / "Pulumi.large-1k.yaml"
# Each team's quota, as a share of every pool's GPUs, and its priority (prod and research
# as in the lesson-1 scheduler stacks, inference between them).
TEAM_SHARES = {"prod": (0.5, 1000), "research": (0.3, 100), "inference": (0.2, 500)}
CLIENT_LIMITS = (1000, 2000)
SHAPE = "big-job-mix"
# Beside each scheduler's replay.json: wall seconds from a fresh control plane to the fleet
# up and Ready (and the scheduler's controllers running).
FLEET_UP_FILE = "fleet-up-seconds.txt"


def pools_of(nodes: int) -> dict[str, Any]:
    """The large-1k fleet's pools, their nodes scaled to `nodes` in all (at least 1 each)."""
    config = yaml.safe_load(FLEET_STACK.read_text())["config"]
    pools: dict[str, Any] = config["gpu-fleet:pools"]
    total = sum(pool["nodes"] for pool in pools.values())
    for pool in pools.values():
        pool["nodes"] = max(1, round(pool["nodes"] * nodes / total))
    return pools


def teams_of(pools: dict[str, Any]) -> dict[str, Any]:
    """Quotas of `TEAM_SHARES` of each pool's GPUs (rounded down), no borrowing limit."""
    return {
        team: {
            "quota": {
                name: math.floor(share * pool["nodes"] * pool["gpusPerNode"])
                for name, pool in pools.items()
            },
            "priority": priority,
        }
        for team, (share, priority) in TEAM_SHARES.items()
    }


def write_trace(work: Path, pools: dict[str, Any], teams: dict[str, Any], args: Any) -> Path:
    """The trace, generated once by `fleet trace` from a kueue stack of the fleet and teams."""
    stack = work / "Pulumi.trace.yaml"
    config = {
        "gpu-fleet:cluster": {"mode": "kind", "name": "bench-schedulers"},
        "gpu-fleet:pools": pools,
        "gpu-fleet:scheduler": "kueue",
        "gpu-fleet:teams": teams,
        "gpu-fleet:operator": {"version": OPERATOR},
        "gpu-fleet:nodeResources": "perPool",
    }
    stack.write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    trace = work / "trace.csv"
    sizes = ["--jobs", str(args.jobs), "--span", str(args.span), "--load", str(args.load)]
    fleet(
        "trace", str(stack), "--shape", SHAPE, *sizes, "--seed", str(args.seed), "--out", str(trace)
    )
    return trace


def common_window(folders: dict[str, Path], quotas: dict[str, int]) -> list[Interval]:
    """The trace times during which every team had pods waiting under every scheduler:
    the one window over which quota fairness is judged for all of them."""
    window: list[Interval] | None = None
    for folder in folders.values():
        document = load_replay(folder)
        nodes = gpu_nodes(FleetSpec.model_validate(document.spec))
        own = contended_window(document.rows, nodes, document.observed, quotas)
        window = own if window is None else intersect(window, own)
    return window or []


def run_rows(
    scheduler: str, folder: Path, quotas: dict[str, int], window: list[Interval]
) -> list[Row]:
    """The scheduler's rows from its replay folder (`replay.json`, and `FLEET_UP_FILE`),
    fairness over `window`; `contended_own` is the time every team waited in this run."""
    document = load_replay(folder)
    nodes = gpu_nodes(FleetSpec.model_validate(document.spec))
    figures = scheduler_figures(document.rows, nodes, document.observed, quotas, window)
    own = contended_window(document.rows, nodes, document.observed, quotas)
    rows = scheduler_rows(scheduler, figures, document.wall_s)
    gangs = sum(1 for r in document.rows if r.pods > 1)
    fleet_up_s = float((folder / FLEET_UP_FILE).read_text())
    return [
        *rows,
        row(scheduler, "nodes", len(nodes), "nodes"),
        row(scheduler, "gpus", sum(node.gpus for node in nodes), "GPUs"),
        row(scheduler, "jobs", len(document.rows), "jobs"),
        row(scheduler, "gangs", gangs, "jobs"),
        row(scheduler, "speed", document.speed, "trace s per wall s"),
        row(scheduler, "fleet_up", round(fleet_up_s, 1), "s"),
        row(
            scheduler, "contended_own", round(sum(end - start for start, end in own), 1), "trace s"
        ),
    ]


def replay_under(
    scheduler: str, work: Path, pools: dict[str, Any], teams: dict[str, Any], trace: Path, args: Any
) -> None:
    """The fleet up under `scheduler`, the trace replayed into `args.replays`/replay-<scheduler>."""
    binaries = tools.ensure_tools()
    engine = tools.ensure_engine(binaries)
    folder = args.replays / f"replay-{scheduler}"
    started = time.monotonic()
    with replay_fleet(
        binaries, engine, work / scheduler, f"bench-{scheduler}", pools,
        operator=OPERATOR, unlimited_qps=True, extra_args=CONTROL_PLANE_ARGS,
        kwok_parallelism=KWOK_PARALLELISM, scheduler=scheduler,
        teams=None if scheduler == "default" else teams, client_limits=CLIENT_LIMITS,
        job_concurrency=JOB_SYNCS,
    ) as created:  # fmt: skip
        fleet_up_s = time.monotonic() - started
        print(f"== {scheduler}: fleet up and Ready in {fleet_up_s:.0f}s", flush=True)
        fleet(
            "replay",
            str(created.stack.stack_file),
            str(trace),
            "--speed",
            str(args.speed),
            "--timeout",
            str(args.timeout),
            "--out",
            str(folder),
            "--force",
        )  # fmt: skip  (--force: a speed the probe refuses still runs, judged Drifted)
        (folder / FLEET_UP_FILE).write_text(f"{fleet_up_s:.1f}\n")
        if created.controllers is not None:
            print(created.controllers.log_tail(3), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.schedulers", description=__doc__)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--span", type=float, default=14_400, help="trace seconds of arrivals")
    parser.add_argument(
        "--load", type=float, default=3.0, help="GPU-seconds asked / the fleet's over the span"
    )
    parser.add_argument("--speed", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--timeout", type=float, default=100.0, help="wall seconds to wait after the last job"
    )
    parser.add_argument("--schedulers", default=",".join(SCHEDULERS))
    parser.add_argument(
        "--replays",
        type=Path,
        help="keep each scheduler's replay folder here (default: a temporary folder)",
    )
    parser.add_argument(
        "--rows-only",
        action="store_true",
        help="replay nothing: the rows, table and chart from the replay folders in --replays",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "schedulers.json")
    args = parser.parse_args(argv)
    if args.rows_only and args.replays is None:
        parser.error("--rows-only reads the replay folders of --replays DIR")
    pools = pools_of(args.nodes)
    teams = teams_of(pools)
    quotas = {team: sum(spec["quota"].values()) for team, spec in teams.items()}
    schedulers = args.schedulers.split(",")
    with tempfile.TemporaryDirectory(prefix="bench-schedulers-") as scratch:
        work = Path(scratch)
        args.replays = args.replays or work
        if not args.rows_only:
            args.replays.mkdir(parents=True, exist_ok=True)
            trace = write_trace(work, pools, teams, args)
            print(f"== trace: {len(read_trace(trace))} jobs", flush=True)
            for scheduler in schedulers:
                replay_under(scheduler, work, pools, teams, trace, args)
        folders = {s: args.replays / f"replay-{s}" for s in schedulers}
        window = common_window(folders, quotas)
        rows = [
            row
            for scheduler, folder in folders.items()
            for row in run_rows(scheduler, folder, quotas, window)
        ]
    args.out.write_text(json.dumps(rows, indent=2) + "\n")
    nodes = sum(pool["nodes"] for pool in pools.values())
    title = f"{args.jobs:,} jobs on {nodes:,} nodes at {args.speed:g}x"
    chart = args.out.with_suffix(".svg")
    chart.write_text(scheduler_comparison(rows, title))
    print_table(console(), comparison_table(rows, title))
    print("\n".join(markdown_table(rows)))
    print(f"rows written to {args.out}, chart to {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
