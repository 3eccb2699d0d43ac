"""`make bench-e2e`: the program under the real engine at 1,000, 5,000 and 10,000 fake nodes,
against the same objects sent by a plain client (the floor) and by `kubectl` (what a
person would type), on one kwokctl control plane.

Per size, three runners on the same objects (`python -m fleet manifests` of the stack):

- the floor (benchmarks/e2e_floor.py): the pool resources' own requests without the
  engine, as the engine has them sent: the pools at once, each with its own client and
  `node_api.WORKERS` requests in flight (per pool a list, then per node a create-only
  server-side apply and the apply of its status); the lists a refresh sends; the +2
  change; per pool a list and a delete per node;
- kubectl: `apply --server-side` of them all, `diff --server-side` of them unchanged
  (what `up --refresh` answers: does the cluster differ?), `apply` of the +2, then
  `delete --wait=false` of them all;
- the stack: `pulumi up`, `up --refresh` with nothing changed, a no-op `up` (which sends
  no request at all: named for what it measures, the engine's fixed cost), `preview`
  of the +2 change (which must name the two nodes), that `up`, `destroy`.

Each size starts with an unmeasured pass of the floor (its up and destroy), so that no
measured runner meets a control plane that has never held that many nodes; then
`--repeat` rounds, the runners' order rotated each round (floor, pulumi, kubectl;
pulumi, kubectl, floor; kubectl, floor, pulumi; ...), each runner starting from a
cluster without fake nodes. Medians, each run and the order are kept.

Engine settings are Pulumi's defaults (checkpoints on, default parallelism) unless
flags say otherwise. Timings are printed and written to
benchmarks/results/e2e-scale.json with the run's conditions; nothing is asserted about
them.

The control plane runs no KWOK controller unless `--kwok` is given: its node heartbeats
would load the API server with a cost that grows with the fleet, for the baseline and
the program alike, while the question here is the program's own cost.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from benchmarks import e2e_floor, e2e_rounds
from benchmarks.e2e_rounds import Row
from benchmarks.process_peaks import Peaks, sampled
from fleet.cluster import node_api
from fleet.render.nodes import is_fake_node
from lab import kube, tools
from lab.cluster import Cluster, kwok_cluster
from lab.dynamic_provider import ensure_dynamic_provider_plugin
from lab.engine import FleetStack
from lab.paths import ROOT
from lab.pins import KUBERNETES_VERSION, PULUMI_TAG
from lab.pool_changes import Steps

RESULTS = Path(__file__).parent / "results"
SIZES = (1000, 5000, 10_000)
# The shape of stacks/Pulumi.large-1k.yaml, scaled: 40% a100, 20% h100, 40% l40s.
SHARES = {"a100": 0.4, "h100": 0.2, "l40s": 0.4}
PRODUCTS = {
    "a100": ("NVIDIA-A100-SXM4-80GB", 8),
    "h100": ("NVIDIA-H100-80GB-HBM3", 8),
    "l40s": ("NVIDIA-L40S", 4),
}
GROWN_POOL = "a100"


def pools(nodes: int, extra: int = 0) -> dict[str, Any]:
    counts = {name: int(nodes * share) for name, share in SHARES.items()}
    counts[GROWN_POOL] += nodes - sum(counts.values()) + extra
    return {
        name: {"nodes": counts[name], "gpusPerNode": gpus, "product": product}
        for name, (product, gpus) in PRODUCTS.items()
    }


def fleet_config(cluster: Cluster, nodes: int, mode: str, extra: int = 0) -> dict[str, Any]:
    """The `large-1k` shape at `nodes`, on the control plane, KWOK, operator and demo off."""
    return {
        "cluster": cluster.as_stack_cluster(),
        "nodeResources": mode,
        "pools": pools(nodes, extra),
        "kwok": {"install": False},
        "operator": {"install": False},
        "demo": {"enabled": False},
    }


def timed(call: Callable[[], Any]) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


class Kubectl:
    def __init__(self, binary: Path, cluster: Cluster) -> None:
        self.base = [str(binary), "--kubeconfig", str(cluster.kubeconfig)]

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> float:
        def call() -> None:
            done = subprocess.run([*self.base, *args], stdout=subprocess.DEVNULL, check=False)
            if done.returncode not in ok:
                raise subprocess.CalledProcessError(done.returncode, [*self.base, *args])

        return timed(call)


def manifests(stack: FleetStack, target: Path) -> Path:
    """`python -m fleet manifests` of the stack file as it stands."""
    with target.open("w") as out:
        subprocess.run(
            [sys.executable, "-m", "fleet", "manifests", str(stack.stack_file)],
            check=True,
            stdout=out,
            cwd=ROOT,
        )
    return target


def only_new_nodes(before: Path, after: Path, target: Path) -> Path:
    known = {doc["metadata"]["name"] for doc in yaml.safe_load_all(before.read_text())}
    new = [d for d in yaml.safe_load_all(after.read_text()) if d["metadata"]["name"] not in known]
    target.write_text(yaml.safe_dump_all(new, sort_keys=False))
    return target


def fake_node_count(cluster: Cluster) -> int:
    api = kube.api_client(cluster.kubeconfig)
    try:
        return sum(1 for node in kube.items(kube.core(api).list_node) if is_fake_node(node))
    finally:
        api.close()


def quiet(line: str) -> None:
    """Engine output is kept out of the timings' way; errors surface as exceptions."""


@dataclass(frozen=True)
class Objects:
    """The stack's nodes, the grown stack's, and the two a +2 change adds: as files (for
    kubectl) and as manifests (for the floor)."""

    fleet: Path
    grown: Path
    plus_two: Path

    @cached_property
    def documents(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The fleet's and the +2 change's manifests, read once."""
        return _documents(self.fleet), _documents(self.plus_two)

    def floor(self, connect: e2e_floor.Connect) -> e2e_floor.Floor:
        return e2e_floor.Floor(connect, *self.documents)


def _documents(path: Path) -> list[dict[str, Any]]:
    return list(
        yaml.load_all(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    )


class Bench:
    def __init__(self, engine: tools.Engine, cluster: Cluster, kubectl: Kubectl, mode: str) -> None:
        self.engine = engine
        self.cluster = cluster
        self.kubectl = kubectl
        self.mode = mode
        self.rows: list[Row] = []
        self.memory: dict[int, Peaks] = {}
        self.rounds: dict[int, list[dict[str, Any]]] = {}

    def objects(self, nodes: int, work: Path) -> Objects:
        stack = FleetStack(self.engine, work, f"bench-{nodes}-objects")
        stack.write_config(fleet_config(self.cluster, nodes, self.mode))
        fleet = manifests(stack, work / "fleet.yaml")
        stack.write_config(fleet_config(self.cluster, nodes, self.mode, extra=2))
        grown = manifests(stack, work / "grown.yaml")
        return Objects(fleet, grown, only_new_nodes(fleet, grown, work / "plus-two.yaml"))

    def connect(self) -> node_api.NodeApi:
        return node_api.connect(str(self.cluster.kubeconfig), None, node_api.Control())

    def baseline(self, nodes: int, objects: Objects) -> dict[str, float]:
        """kubectl on the same objects: apply, diff unchanged, apply the +2, delete all."""
        # Forced: kube-controller-manager's TTL controller takes over the node annotation
        # node.alpha.kubernetes.io/ttl, so an unforced second apply stops on a conflict.
        apply = ("apply", "--server-side", "--force-conflicts", "-f")
        seconds = {
            "up": self.kubectl.run(*apply, str(objects.fleet)),
            # exit 0: no difference (1 would mean one; check=True stops on anything else).
            # exit 1: differences found (kube-controller-manager's TTL controller sets the
            # ttl annotation by cluster size), a finished diff too; anything else stops.
            "diff": self.kubectl.run(
                "diff", "--server-side", "--force-conflicts", "-f", str(objects.fleet), ok=(0, 1)
            ),
            "up-plus-2": self.kubectl.run(*apply, str(objects.plus_two)),
            # Without waiting: kubectl would then watch each deleted object in turn
            # (about 0.2 s a node here, 208 s for 1,000), which is not the deletion's cost.
            "destroy": self.kubectl.run("delete", "--wait=false", "-f", str(objects.grown)),
        }
        for operation, value in seconds.items():
            print(f"  {nodes:>6} kubectl {operation:<11} {value:8.1f}s", flush=True)
        return seconds

    def floor(self, nodes: int, objects: Objects) -> dict[str, float]:
        """The pools' requests without the engine, at once, each at the engine's concurrency."""
        floor = objects.floor(self.connect)
        seconds = {
            "up": floor.up(),
            "list": floor.lists(),
            "up-plus-2": floor.up_plus_two(),
            "destroy": floor.destroy(),
        }
        for operation, value in seconds.items():
            print(f"  {nodes:>6} floor   {operation:<11} {value:8.1f}s", flush=True)
        return seconds

    def warm_up(self, nodes: int, objects: Objects) -> None:
        """An unmeasured up and destroy of the floor: the control plane has then held
        this many nodes before any measured run."""
        floor = objects.floor(self.connect)
        seconds = floor.up() + floor.destroy()
        self._no_fake_nodes("the warm-up")
        print(f"  {nodes:>6} warm-up (floor up + destroy, not kept) {seconds:8.1f}s", flush=True)

    def measure(self, nodes: int, repeat: int) -> None:
        with tempfile.TemporaryDirectory(prefix=f"bench-e2e-{nodes}-") as scratch:
            objects = self.objects(nodes, Path(scratch) / "objects")
            self.warm_up(nodes, objects)
            rounds = []
            for number, order in enumerate(e2e_rounds.orders(repeat)):
                print(f"  {nodes:>6} round {number + 1}/{repeat}: {', '.join(order)}", flush=True)
                load = os.getloadavg()[0]
                timings = {
                    runner: self._run(runner, nodes, objects, Path(scratch) / f"round-{number}")
                    for runner in order
                }
                rounds.append(timings)
                self.rounds.setdefault(nodes, []).append(
                    {"order": list(order), "load_average_1m_before": round(load, 2)}
                )
        for row in e2e_rounds.rows(nodes, rounds):
            self.rows.append(row)
            print(f"  {nodes:>6} {row.operation:<22} {row.seconds:8.1f}s {_ratios(row)}")

    def _run(self, runner: str, nodes: int, objects: Objects, work: Path) -> dict[str, float]:
        if runner == "floor":
            timings = self.floor(nodes, objects)
        elif runner == "kubectl":
            timings = self.baseline(nodes, objects)
        else:
            timings = self.pulumi(nodes, work)
        self._no_fake_nodes(runner)
        return timings

    def _no_fake_nodes(self, who: str) -> None:
        left = fake_node_count(self.cluster)
        assert left == 0, f"{who} left {left} fake nodes behind"

    def pulumi(self, nodes: int, work: Path) -> dict[str, float]:
        work.mkdir(parents=True)
        stack = FleetStack(self.engine, work, f"bench-{nodes}")
        stack.write_config(fleet_config(self.cluster, nodes, self.mode))
        pulumi: dict[str, float] = {}
        engine = stack.stack
        with sampled(os.getpid()) as peaks:
            pulumi["up"] = self._op(nodes, "up", engine.up)
            pulumi["up-refresh-no-change"] = self._op(
                nodes, "up --refresh", engine.up, refresh=True
            )
            pulumi["no-op-up-no-request"] = self._op(nodes, "no-op up", engine.up)
            stack.write_config(fleet_config(self.cluster, nodes, self.mode, extra=2))
            steps = Steps()
            preview = self._op(nodes, "preview +2", engine.preview, on_event=steps.on_event())
            named = steps.added() if self.mode == "perPool" else sorted(steps.ops)
            print(f"         preview +2 names: {named}", flush=True)
            pulumi["preview-plus-2"] = preview
            pulumi["up-plus-2"] = self._op(nodes, "up +2", engine.up)
            pulumi["destroy"] = self._op(nodes, "destroy", engine.destroy)
        if nodes not in self.memory or peaks.total > self.memory[nodes].total:
            self.memory[nodes] = peaks
        engine.workspace.remove_stack(stack.name)
        return pulumi

    def _op(self, nodes: int, what: str, call: Callable[..., Any], **options: Any) -> float:
        """Time one engine operation, as `make` runs it (no `--diff` except for preview)."""
        diff = {"diff": True} if what.startswith("preview") else {}
        seconds = timed(lambda: call(color="never", on_output=quiet, **diff, **options))
        print(f"  {nodes:>6} pulumi {what:<12} {seconds:8.1f}s", flush=True)
        return seconds


def _ratios(row: Row) -> str:
    parts = [f"runs {', '.join(f'{r:.1f}' for r in row.runs)}"]
    if row.over_floor is not None:
        parts.append(f"{row.over_floor:.2f}x the floor")
    if row.over_kubectl is not None:
        parts.append(f"{row.over_kubectl:.2f}x kubectl")
    return f"({'; '.join(parts)})"


def _cell(value: float | None, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if value is not None else "-"


def _spread(runs: tuple[float, ...]) -> str:
    """The median and, over several runs, the lowest and highest."""
    if not runs:
        return "-"
    median = statistics.median(runs)
    return f"{median:.1f} ({min(runs):.1f}-{max(runs):.1f})" if len(runs) > 1 else f"{median:.1f}"


def table(rows: list[Row], memory: dict[int, Peaks]) -> str:
    lines = [
        "| nodes | operation | pulumi (s) | floor (s) | kubectl (s) "
        "| pulumi / floor | pulumi / kubectl |",
        "|------:|-----------|-----------:|----------:|------------:|------:|------:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.nodes:,} | {row.operation} | {_spread(row.runs)} "
            f"| {_spread(row.floor_runs)} | {_spread(row.kubectl_runs)} "
            f"| {_cell(row.over_floor, 2)} | {_cell(row.over_kubectl, 2)} |"
        )
    lines += [
        "",
        "| nodes | " + " | ".join(ROLES) + " | all at once |",
        "|---:|" + "---:|" * (len(ROLES) + 1),
    ]
    for nodes, peaks in memory.items():
        cells = [f"{peaks.by_role.get(role, 0):.0f}" for role in ROLES]
        lines.append(f"| {nodes:,} | " + " | ".join(cells) + f" | {peaks.total:.0f} |")
    return "\n".join(lines)


ROLES = (
    "engine (pulumi CLI)",
    "program (Python)",
    "dynamic provider (Python)",
    "kubernetes provider",
    "language host",
)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    system = os.uname()
    memory = f"{mem_kib / 1024 / 1024:.0f} GiB RAM"
    return f"{os.cpu_count()} cores ({cpu}), {memory}, {system.sysname} {system.release}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.e2e_scale", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds per size (the order rotates); medians kept"
    )
    parser.add_argument("--mode", choices=("perPool", "perNode"), default="perPool")
    parser.add_argument("--kwok", action="store_true", help="run kwokctl's KWOK controller")
    parser.add_argument("--out", type=Path, default=RESULTS / "e2e-scale.json")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat {args.repeat}: give 1 or more rounds (3 rotate every runner)")
    binaries = tools.ensure_tools()
    engine = tools.ensure_engine(binaries)
    ensure_dynamic_provider_plugin(engine)
    started = datetime.now(UTC)
    print(f"== bench-e2e on {machine()}; engine settings: {engine_settings()}", flush=True)
    with kwok_cluster(binaries, kwok_controller=args.kwok) as cluster:
        bench = Bench(engine, cluster, Kubectl(binaries["kubectl"], cluster), args.mode)
        for nodes in args.sizes:
            bench.measure(nodes, args.repeat)
    print(f"\n{table(bench.rows, bench.memory)}\n\nmemory: peak resident MiB per process role")
    conditions = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "python": sys.version.split()[0],
        "kubernetes": KUBERNETES_VERSION,
        "pulumi": PULUMI_TAG,
        "engine_settings": engine_settings(),
        "mode": args.mode,
        "kwok_controller": args.kwok,
        "sizes": args.sizes,
        "rounds_per_size": args.repeat,
        "requests_in_flight_per_pool": node_api.WORKERS,
        "pools": list(SHARES),
        "rounds": {str(nodes): rounds for nodes, rounds in bench.rounds.items()},
    }
    document = {"conditions": conditions, "rows": [row.as_json() for row in bench.rows]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n")
    memory = {str(n): {**p.by_role, "all at once": p.total} for n, p in bench.memory.items()}
    args.out.with_name(args.out.stem + "-memory.json").write_text(
        json.dumps(memory, indent=2) + "\n"
    )
    print(f"rows written to {args.out}")
    return 0


def commit() -> str:
    """The checkout's commit, marked when files differ from it."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{head or 'unknown'}{' (with uncommitted changes)' if dirty else ''}"


def engine_settings() -> str:
    names = ("PULUMI_SKIP_CHECKPOINTS", "PULUMI_PARALLEL")
    given = [f"{name}={os.environ[name]}" for name in names if name in os.environ]
    return ", ".join(given) or "defaults (checkpoints on, default parallelism)"


if __name__ == "__main__":
    sys.exit(main())
