"""`make bench-e2e`: the program under the real engine at 1,000, 5,000 and 10,000 fake nodes,
against `kubectl` applying and deleting the same objects, on one kwokctl control plane.

Per size: the baseline first (`kubectl apply --server-side` of `python -m fleet
manifests` on an empty cluster, the same again unchanged, the two nodes a +2 change
adds, then `kubectl delete` of them all), then the stack: `pulumi up`, a no-op `up`,
`preview` of a +2-node change (which must name the two nodes), that `up`, `destroy`.
Engine settings are Pulumi's defaults (checkpoints on, default parallelism) unless
flags say otherwise. Timings are printed and written to
benchmarks/results/e2e-scale.json; nothing is asserted about them.

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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from benchmarks.process_peaks import Peaks, sampled
from fleet.render.nodes import is_fake_node
from tests.e2e.harness import kube, tools
from tests.e2e.harness.cluster import Cluster, kwok_cluster
from tests.e2e.harness.dynamic_provider import ensure_dynamic_provider_plugin
from tests.e2e.harness.engine import FleetStack
from tests.e2e.harness.pool_changes import Steps

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


@dataclass(frozen=True)
class Row:
    nodes: int
    operation: str
    seconds: float
    baseline_seconds: float | None
    ratio: float | None


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

    def run(self, *args: str) -> float:
        def call() -> None:
            subprocess.run([*self.base, *args], check=True, stdout=subprocess.DEVNULL)

        return timed(call)


def manifests(stack: FleetStack, target: Path) -> Path:
    """`python -m fleet manifests` of the stack file as it stands."""
    with target.open("w") as out:
        subprocess.run(
            [sys.executable, "-m", "fleet", "manifests", str(stack.stack_file)],
            check=True,
            stdout=out,
            cwd=tools.CHECKOUT,
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


class Bench:
    def __init__(self, engine: tools.Engine, cluster: Cluster, kubectl: Kubectl, mode: str) -> None:
        self.engine = engine
        self.cluster = cluster
        self.kubectl = kubectl
        self.mode = mode
        self.rows: list[Row] = []
        self.memory: dict[int, Peaks] = {}

    def row(self, nodes: int, operation: str, seconds: float, baseline: float | None) -> None:
        ratio = seconds / baseline if baseline else None
        self.rows.append(Row(nodes, operation, round(seconds, 2), baseline, ratio))
        base = f" (baseline {baseline:.1f}s, ratio {ratio:.2f})" if baseline and ratio else ""
        print(f"  {nodes:>6} {operation:<15} {seconds:8.1f}s{base}", flush=True)

    def baseline(self, stack: FleetStack, nodes: int, work: Path) -> dict[str, float]:
        """kubectl on the same objects: apply, apply unchanged, apply the +2, delete all."""
        stack.write_config(fleet_config(self.cluster, nodes, self.mode))
        fleet = manifests(stack, work / "fleet.yaml")
        stack.write_config(fleet_config(self.cluster, nodes, self.mode, extra=2))
        grown = manifests(stack, work / "grown.yaml")
        plus_two = only_new_nodes(fleet, grown, work / "plus-two.yaml")
        # Forced: kube-controller-manager's TTL controller takes over the node annotation
        # node.alpha.kubernetes.io/ttl, so an unforced second apply stops on a conflict.
        apply = ("apply", "--server-side", "--force-conflicts", "-f")
        seconds = {
            "up": self.kubectl.run(*apply, str(fleet)),
            "no-op-up": self.kubectl.run(*apply, str(fleet)),
            "up-plus-2": self.kubectl.run(*apply, str(plus_two)),
            # Without waiting: kubectl would then watch each deleted object in turn
            # (about 0.2 s a node here, 208 s for 1,000), which is not the deletion's cost.
            "destroy": self.kubectl.run("delete", "--wait=false", "-f", str(grown)),
        }
        for operation, value in seconds.items():
            print(f"  {nodes:>6} kubectl for {operation:<11} {value:8.1f}s", flush=True)
        return seconds

    def measure(self, nodes: int, repeat: int) -> None:
        with tempfile.TemporaryDirectory(prefix=f"bench-e2e-{nodes}-") as scratch:
            runs = [self._once(nodes, Path(scratch) / str(i)) for i in range(repeat)]
        for operation in ("up", "no-op-up", "preview-plus-2", "up-plus-2", "destroy"):
            seconds = statistics.median(run[operation][0] for run in runs)
            baselines = [b for run in runs if (b := run[operation][1]) is not None]
            self.row(nodes, operation, seconds, statistics.median(baselines) if baselines else None)

    def _once(self, nodes: int, work: Path) -> dict[str, tuple[float, float | None]]:
        work.mkdir(parents=True)
        stack = FleetStack(self.engine, work, f"bench-{nodes}")
        base = self.baseline(stack, nodes, work)
        assert fake_node_count(self.cluster) == 0, "the baseline left nodes behind"
        stack.write_config(fleet_config(self.cluster, nodes, self.mode))
        seconds: dict[str, tuple[float, float | None]] = {}
        engine = stack.stack
        with sampled(os.getpid()) as peaks:
            seconds["up"] = (self._op(nodes, "up", engine.up), base["up"])
            seconds["no-op-up"] = (self._op(nodes, "no-op up", engine.up), base["no-op-up"])
            stack.write_config(fleet_config(self.cluster, nodes, self.mode, extra=2))
            steps = Steps()
            preview = self._op(nodes, "preview +2", engine.preview, on_event=steps.on_event())
            named = steps.added() if self.mode == "perPool" else sorted(steps.ops)
            print(f"         preview +2 names: {named}", flush=True)
            seconds["preview-plus-2"] = (preview, None)
            seconds["up-plus-2"] = (self._op(nodes, "up +2", engine.up), base["up-plus-2"])
            seconds["destroy"] = (self._op(nodes, "destroy", engine.destroy), base["destroy"])
        left = fake_node_count(self.cluster)
        print(f"         after destroy: {left} fake nodes left", flush=True)
        self.memory[nodes] = peaks
        engine.workspace.remove_stack(stack.name)
        return seconds

    def _op(self, nodes: int, what: str, call: Callable[..., Any], **options: Any) -> float:
        """Time one engine operation, as `make` runs it (no `--diff` except for preview)."""
        diff = {"diff": True} if what.startswith("preview") else {}
        seconds = timed(lambda: call(color="never", on_output=quiet, **diff, **options))
        print(f"  {nodes:>6} pulumi {what:<12} {seconds:8.1f}s", flush=True)
        return seconds


def table(rows: list[Row], memory: dict[int, Peaks]) -> str:
    lines = [
        "| nodes | operation | pulumi (s) | kubectl (s) | ratio |",
        "|------:|-----------|-----------:|------------:|------:|",
    ]
    for row in rows:
        base = f"{row.baseline_seconds:.1f}" if row.baseline_seconds is not None else "-"
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        lines.append(f"| {row.nodes:,} | {row.operation} | {row.seconds:.1f} | {base} | {ratio} |")
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
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; medians are kept")
    parser.add_argument("--mode", choices=("perPool", "perNode"), default="perPool")
    parser.add_argument("--kwok", action="store_true", help="run kwokctl's KWOK controller")
    parser.add_argument("--out", type=Path, default=RESULTS / "e2e-scale.json")
    args = parser.parse_args(argv)
    binaries = tools.ensure_tools()
    engine = tools.ensure_engine(binaries)
    ensure_dynamic_provider_plugin(engine)
    print(f"== bench-e2e on {machine()}; engine settings: {engine_settings()}", flush=True)
    with kwok_cluster(binaries, kwok_controller=args.kwok) as cluster:
        bench = Bench(engine, cluster, Kubectl(binaries["kubectl"], cluster), args.mode)
        for nodes in args.sizes:
            bench.measure(nodes, args.repeat)
    print(f"\n{table(bench.rows, bench.memory)}\n\nmemory: peak resident MiB per process role")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps([asdict(row) for row in bench.rows], indent=2) + "\n")
    memory = {str(n): {**p.by_role, "all at once": p.total} for n, p in bench.memory.items()}
    args.out.with_name(args.out.stem + "-memory.json").write_text(
        json.dumps(memory, indent=2) + "\n"
    )
    print(f"rows written to {args.out}")
    return 0


def engine_settings() -> str:
    names = ("PULUMI_SKIP_CHECKPOINTS", "PULUMI_PARALLEL")
    given = [f"{name}={os.environ[name]}" for name in names if name in os.environ]
    return ", ".join(given) or "defaults (checkpoints on, default parallelism)"


if __name__ == "__main__":
    sys.exit(main())
