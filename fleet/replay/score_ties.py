"""Where the prediction's premise, "every feasible node scores alike for a replay pod",
stops holding: NodeResourcesFit's least-allocated score, worked out as kube-scheduler
v1.36 computes it.

A replay pod asks for no CPU or memory, so the scheduler counts it as asking 100m CPU and
200 MiB (per container; a replay pod has one), as it counts every pod on the node that
asks for none. The plugin scores a node, per resource, `(allocatable - requested) * 100 /
allocatable` in integers (`requested`: the node's pods and this one), and the node's
score is the weighted mean of cpu's and memory's (weights 1 and 1), again in integers
(pkg/scheduler/framework/plugins/noderesources). Other default scores are alike on every
node for a replay pod (docs/replay.md). The score is alike on every node only while the
integer does not move: an empty 96-core node scores 99 for CPU until the node's pods ask
more than 960m. So the premise fails where a node may hold enough replay pods for the
score to drop (16 GPUs taken one by one), where a pool has few cores or little memory
(its nodes score lower than another pool's, empty or not), and on kind, whose
kube-proxy and pod-network DaemonSets put two more pods on every fake node: there the 8th
one-GPU pod on an 8-GPU, 96-core node already scores lower than an empty node.

Where it fails, the scheduler prefers the emptier node over the first found, so the
outcome moves from the central prediction towards the spreading bound; `fleet expect
--trace` and `fleet replay` say so.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fleet.replay.fleet_nodes import offers
from fleet.stack.spec import FleetSpec, PoolSpec
from fleet.trace.model import TraceRow

MAX_NODE_SCORE = 100
# What the scheduler counts for a container that asks for no CPU or memory.
DEFAULT_CPU_MILLI = 100
DEFAULT_MEMORY_BYTES = 200 * 1024 * 1024
UNITS = {
    "": 1,
    "k": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "T": 1000**4,
    "P": 1000**5,
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
    "Pi": 1024**5,
}


def quantity_bytes(quantity: str) -> int:
    """A stack's memory quantity (`1024Gi`, `512G`, `1000000`) in bytes."""
    match = re.fullmatch(r"([0-9]+)([A-Za-z]*)", quantity)
    if match is None or match.group(2) not in UNITS:
        raise ValueError(f"not a memory quantity: {quantity!r}")
    return int(match.group(1)) * UNITS[match.group(2)]


def least_requested(requested: int, allocatable: int) -> int:
    """One resource's least-allocated score, 0 to 100, in integers."""
    if allocatable == 0 or requested > allocatable:
        return 0
    return (allocatable - requested) * MAX_NODE_SCORE // allocatable


def fit_score(cpu_milli: int, memory_bytes: int, pods: int, node: "Overhead") -> int:
    """NodeResourcesFit's score (least allocated, cpu and memory weighted 1 and 1) of a
    node of `cpu_milli` and `memory_bytes` for a replay pod, with `pods` replay pods on it
    already and the pods `node` puts on every fake node."""
    cpu = node.cpu_milli + (pods + 1) * DEFAULT_CPU_MILLI
    memory = node.memory_bytes + (pods + 1) * DEFAULT_MEMORY_BYTES
    return (least_requested(cpu, cpu_milli) + least_requested(memory, memory_bytes)) // 2


@dataclass(frozen=True)
class Overhead:
    """The pods on every fake node besides the replay's, as the scheduler counts them."""

    what: str
    pods: int = 0
    cpu_milli: int = 0
    memory_bytes: int = 0


# kube-proxy asks for nothing (counted 100m, 200 MiB); kind's kindnet asks 100m and 50 MiB;
# the kind tier's own pod network (its node image carries no kindnet) asks for nothing.
KIND_OVERHEADS = (
    Overhead("kind's kube-proxy, kindnet", 2, 200, DEFAULT_MEMORY_BYTES + 50 * 1024 * 1024),
    Overhead("kind's kube-proxy, the kind tier's network", 2, 200, 2 * DEFAULT_MEMORY_BYTES),
)
NO_OVERHEAD = Overhead("no other pod on fake nodes")


def overheads(spec: FleetSpec) -> tuple[Overhead, ...]:
    """What else runs on each fake node: kind's two DaemonSets; on an existing cluster,
    nothing known (its own DaemonSets that tolerate every taint are not seen here)."""
    return KIND_OVERHEADS if spec.cluster.mode == "kind" else (NO_OVERHEAD,)


@dataclass(frozen=True)
class Drop:
    """On a node of `pool`, the `pod`-th replay pod scores lower than the first did."""

    pool: str
    pod: int
    first: int
    then: int
    overhead: str


@dataclass(frozen=True)
class ScoreTies:
    """Where the premise fails for a trace on a fleet: score drops within a pool, and
    pools one job may use that score differently when empty."""

    drops: tuple[Drop, ...]
    # (pool, its empty node's score, another pool, that one's) for pools one job may use.
    unequal: tuple[tuple[str, int, str, int], ...]

    @property
    def holds(self) -> bool:
        return not self.drops and not self.unequal

    def caveats(self) -> list[str]:
        """One line per kind of drop (pools that drop alike together), one per pair."""
        alike: dict[tuple[int, int, int, str], list[str]] = {}
        for d in self.drops:
            alike.setdefault((d.pod, d.first, d.then, d.overhead), []).append(d.pool)
        found = [
            f"{_pools(pools)}: the {_nth(pod)} replay pod on a node scores {then}, an emptier "
            f"node {first} (NodeResourcesFit; {overhead}): the scheduler then prefers emptier "
            "nodes to the first found, so expect the outcome nearer the spreading bound"
            for (pod, first, then, overhead), pools in alike.items()
        ]
        found += [
            f"pools {a} and {b}: an empty node scores {sa} and {sb} (NodeResourcesFit: their "
            "cores or memory differ): a job that may use both goes to the higher score "
            "first, not to the first node found"
            for a, sa, b, sb in self.unequal
        ]
        return found


def _pools(names: list[str]) -> str:
    return f"pool {names[0]}" if len(names) == 1 else f"pools {', '.join(names)}"


def _nth(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def most_replay_pods(
    pool_name: str, pool: PoolSpec, spec: FleetSpec, rows: Sequence[TraceRow]
) -> int:
    """How many replay pods one node of the pool may hold at once: per offer, its GPUs
    over the fewest GPUs a pod that may use it asks for; at most its pod slots."""
    most = 0
    for offer in offers(spec):
        asks = [r.gpus_per_pod for r in rows if r.wants(pool_name, pool.product, offer)]
        most += pool.gpus_per_node // min(asks) if asks else 0
    return min(most, pool.pods)


def score_ties(spec: FleetSpec, rows: Sequence[TraceRow]) -> ScoreTies:
    """Where, for these rows on this fleet, nodes a pod may choose between score apart."""
    drops: list[Drop] = []
    unequal: dict[tuple[str, str], tuple[str, int, str, int]] = {}
    for overhead in overheads(spec):
        empty: dict[str, int] = {}
        for name, pool in spec.pools.items():
            cpu, memory = pool.cpu * 1000, quantity_bytes(pool.memory)
            empty[name] = first = fit_score(cpu, memory, 0, overhead)
            most = min(most_replay_pods(name, pool, spec, rows), pool.pods - overhead.pods)
            for pods in range(1, most):
                then = fit_score(cpu, memory, pods, overhead)
                if then != first:
                    drops.append(Drop(name, pods + 1, first, then, overhead.what))
                    break
        names = list(spec.pools)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if empty[a] != empty[b] and _shared(spec, rows, a, b):
                    unequal.setdefault((a, b), (a, empty[a], b, empty[b]))
    return ScoreTies(_earliest(drops), tuple(unequal.values()))


def _shared(spec: FleetSpec, rows: Sequence[TraceRow], a: str, b: str) -> bool:
    """Whether a row may put its pods on nodes of both pools."""
    pa, pb = spec.pools[a], spec.pools[b]
    return any(
        r.wants(a, pa.product, offer) and r.wants(b, pb.product, offer)
        for r in rows
        for offer in offers(spec)
    )


def _earliest(drops: list[Drop]) -> tuple[Drop, ...]:
    """Per pool, the drop that comes first (over the overheads considered)."""
    first: dict[str, Drop] = {}
    for drop in drops:
        if drop.pool not in first or drop.pod < first[drop.pool].pod:
            first[drop.pool] = drop
    return tuple(first.values())
