"""How the program's costs grow with the fleet: prints figures, never asserts them.

    venv/bin/python -m benchmarks.bench [--repeat N]

Each operation runs N times in this process (after one untimed warm-up run); the
table gives the median, min and max wall time, and per-item costs. Measured:
registering the whole fleet under the unit tests' Pulumi mocks, building every
manifest, the expected outcome, `fleet evidence` against the tests' recorded API
responses (served from 127.0.0.1), `fleet report` on the 1,000-node evidence, and the
refusal of the heaviest inputs within the caps (whole processes, with their peak memory).
"""

import argparse
import contextlib
import gc
import io
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

if __package__ in (None, ""):  # `python benchmarks/bench.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pulumi
from rich.console import Console
from rich.table import Table

from components.gpu_fleet import GpuFleet
from fleet.cli import main as fleet_main
from fleet.commands import output
from fleet.commands.output import print_table
from fleet.demo.plan import plan_demo
from fleet.render.objects import stack_objects
from fleet.stack.load import load_stack_file
from fleet.stack.owner import owner_of_stack_file
from fleet.stack.spec import FleetSpec
from lab.heaviest import BACKTRACKING, HEAVIEST, refuse_heaviest, write_heaviest
from lab.mocks import Deployment, install_mocks
from lab.paths import STACKS_DIR
from lab.recorded import (
    LARGE_STACK,
    LESSON1_STACK,
    ApiServer,
    Cluster,
    large_cluster,
    lesson1_cluster,
    write_kubeconfig,
)

STACKS = ("lesson1", "medium", "large-1k")
T = TypeVar("T")


@dataclass
class Row:
    """One measured operation: its timings and what one run handled."""

    operation: str
    seconds: list[float]
    items: int
    unit: str
    note: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    def per_item(self) -> str:
        if not self.items:
            return ""
        ms = self.median_ms / self.items
        return f"{ms:.3f} ms/{self.unit}" if ms >= 0.1 else f"{ms * 1000:.1f} µs/{self.unit}"


def timed(run: Callable[[], T], repeat: int) -> tuple[list[float], T]:
    """One untimed warm-up run, then `repeat` timed ones; the last run's result."""
    result = run()
    seconds = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def spec_of(stack: str) -> FleetSpec:
    return load_stack_file(STACKS_DIR / f"Pulumi.{stack}.yaml")


def fake_nodes(spec: FleetSpec) -> int:
    return sum(pool.nodes for pool in spec.pools.values())


def register(spec: FleetSpec) -> Deployment:
    """GpuFleet under fresh recording mocks, as the unit tests' `deploy` fixture runs it."""
    deployment = install_mocks()

    def program() -> pulumi.Output[str]:
        return GpuFleet("gpu-fleet", spec).urn

    pulumi.runtime.test(program)()  # type: ignore[no-untyped-call]
    return deployment


def quietly(argv: list[str]) -> int:
    """`python -m fleet ARGV` in this process, its stdout and stderr discarded."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        return fleet_main(argv)


def read_evidence(server: ApiServer, argv: list[str]) -> int:
    server.requests.clear()
    return quietly(argv)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def bench_registration(repeat: int, rows: list[Row], derived: dict[str, str]) -> None:
    per_node: dict[str, float] = {}
    for stack in STACKS:
        spec = spec_of(stack)
        nodes = fake_nodes(spec)
        seconds, deployment = timed(partial(register, spec), repeat)
        row = Row(
            f"register GpuFleet: {stack}",
            seconds,
            nodes,
            "node",
            f"{len(deployment.registrations):,} resources, RSS high-water {peak_rss_mib():.0f} MiB",
        )
        rows.append(row)
        per_node[stack] = row.median_ms / nodes
    derived["register: ms/node large-1k ÷ ms/node medium (1 = linear, 6.25 = quadratic)"] = (
        f"{per_node['large-1k'] / per_node['medium']:.2f}"
    )
    derived["register: ms/node lesson1 ÷ ms/node large-1k (fixed costs show here)"] = (
        f"{per_node['lesson1'] / per_node['large-1k']:.2f}"
    )


def bench_offline(repeat: int, rows: list[Row]) -> None:
    large = spec_of("large-1k")
    seconds, objects = timed(
        lambda: list(stack_objects(large, owner_of_stack_file(LARGE_STACK))), repeat
    )
    rows.append(Row("stack_objects: large-1k", seconds, len(objects), "object"))
    for stack in STACKS:
        spec = spec_of(stack)
        seconds, outcome = timed(partial(plan_demo, spec), repeat)
        rows.append(
            Row(
                f"plan_demo: {stack}",
                seconds,
                fake_nodes(spec),
                "node",
                f"{len(outcome.workloads)} workloads",
            )
        )


def bench_evidence(repeat: int, rows: list[Row], derived: dict[str, str], work: Path) -> Path:
    """`fleet evidence` on the recorded 5- and 1,000-node clusters; the 1,000-node folder."""
    server = ApiServer()
    server.thread.start()
    kubeconfig = write_kubeconfig(work / "kubeconfig", server.url)
    medians: dict[str, float] = {}
    requests: dict[str, int] = {}
    cases: list[tuple[str, Path, Cluster]] = [
        ("lesson1", LESSON1_STACK, lesson1_cluster()),
        ("large-1k", LARGE_STACK, large_cluster()),
    ]
    try:
        for name, stack, cluster in cases:
            server.serve(cluster)
            out = work / f"evidence-{name}"
            argv = ["evidence", "--stack", str(stack), "--kubeconfig", str(kubeconfig)]
            seconds, code = timed(
                partial(read_evidence, server, [*argv, "--out", str(out)]), repeat
            )
            requests[name] = len(server.requests)
            fake = sum(n["metadata"]["name"].startswith("kwok-gpu-") for n in cluster.nodes)
            row = Row(
                f"fleet evidence: {name}",
                seconds,
                fake,
                "node",
                f"exit {code}, {requests[name]} GETs, {len(cluster.nodes):,} nodes, "
                f"{len(cluster.pods):,} pods, {len(cluster.events):,} events",
            )
            rows.append(row)
            medians[name] = row.median_ms
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    derived["evidence: median large-1k ÷ median lesson1"] = (
        f"{medians['large-1k'] / medians['lesson1']:.1f}x"
    )
    derived["evidence: HTTP requests lesson1 / large-1k"] = (
        f"{requests['lesson1']} / {requests['large-1k']}"
        + (" (equal)" if requests["lesson1"] == requests["large-1k"] else " (NOT equal)")
    )
    return work / "evidence-large-1k"


def bench_report(repeat: int, rows: list[Row], evidence: Path, work: Path) -> None:
    argv = ["report", str(evidence), "--out", str(work / "report-large-1k.md")]
    seconds, code = timed(lambda: quietly(argv), repeat)
    nodes = fake_nodes(load_stack_file(LARGE_STACK))
    rows.append(Row("fleet report: large-1k", seconds, nodes, "node", f"exit {code}"))


def bench_hostile(repeat: int, rows: list[Row], work: Path) -> None:
    """The heaviest inputs within the caps, each refused by a whole `python -m fleet` process
    (interpreter start-up included), and the nvidia-smi lines that made old patterns
    backtrack, refused in this process."""
    for command in HEAVIEST:
        path = write_heaviest(command, work)
        seconds, refusal = timed(partial(refuse_heaviest, command, path), repeat)
        size = path.stat().st_size
        note = f"exit {refusal.code}, peak RSS {refusal.peak_rss_mib:.0f} MiB, {size:,} bytes"
        rows.append(Row(f"refuse heaviest input: {command}", seconds, 0, "", note))
    for case, text in BACKTRACKING.items():
        path = work / f"smi-{case}.txt"
        path.write_text(text, encoding="utf-8")
        argv = ["pool-from-nvidia-smi", str(path)]
        seconds, code = timed(partial(quietly, argv), repeat)
        name = f"refuse backtracking nvidia-smi line: {case}"
        rows.append(Row(name, seconds, 0, "", f"exit {code}"))


def render(console: Console, rows: list[Row], derived: dict[str, str], repeat: int) -> None:
    table = Table(title=f"gpu-fleet benchmarks: {repeat} timed runs each, after one warm-up")
    table.add_column("operation")
    for heading in ("median ms", "min ms", "max ms", "items", "per item"):
        table.add_column(heading, justify="right")
    table.add_column("notes")
    for row in rows:
        table.add_row(
            row.operation,
            f"{row.median_ms:,.1f}",
            f"{min(row.seconds) * 1000:,.1f}",
            f"{max(row.seconds) * 1000:,.1f}",
            f"{row.items:,}",
            row.per_item(),
            row.note,
        )
    print_table(console, table)
    ratios = Table(title="derived (from medians)")
    ratios.add_column("figure")
    ratios.add_column("value", justify="right")
    for name, value in derived.items():
        ratios.add_row(name, value)
    print_table(console, ratios)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per operation")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    console = output.console()
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    console.print(
        f"machine: {cores} cores ({usable} usable), {platform.machine()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"load average {load}"
    )
    console.print(
        "note: this machine is shared and noisy (other builds may run); quote medians, "
        "not single runs."
    )
    rows: list[Row] = []
    derived: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="gpu-fleet-bench-") as tmp:
        work = Path(tmp)
        bench_registration(args.repeat, rows, derived)
        bench_offline(args.repeat, rows)
        evidence = bench_evidence(args.repeat, rows, derived, work)
        bench_report(args.repeat, rows, evidence, work)
        bench_hostile(args.repeat, rows, work)
    derived["peak RSS of this process"] = f"{peak_rss_mib():.0f} MiB"
    render(console, rows, derived, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
