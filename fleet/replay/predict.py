"""A discrete-event model of the default scheduler's filters running a trace on a fleet.

Each job's pods arrive together and each asks for `gpus_per_pod` whole GPUs on a node
that passes the job's pool or product constraint (the filters that matter: the KWOK
taint every replay pod tolerates, the node selector or affinity, `nvidia.com/gpu`
left on the node). A pod that asks by DRA claim is treated alike: its claim for N devices
fits a node with N unallocated devices (every device of a node is one of its GPUs, so
any N of them do), and a node offering GPUs both ways counts them apart. Pending pods
are tried in the scheduler's queue order (priority, then arrival) whenever GPUs free
up, and one that fits is placed even when an earlier one does not (the default
scheduler has no head-of-line blocking). Pod slots never bind: every replay pod takes
at least one GPU and a node has at most 16.

Which feasible node a pod gets is the scheduler's. For replay pods (no CPU or memory
requests, `nvidia.com/gpu` not among the scored resources) every default scoring plugin
gives every feasible node the same score, and kube-scheduler v1.36 breaks such ties by
the order it found the nodes in (a random tie-break is drawn only with extenders): it
checks nodes from where the previous pod's search stopped, until it has found
`feasible_to_find(n)` of them, and takes the first. Its order is the order the nodes
reached its cache: `SCHEDULER` with seed 0 searches them as the fleet declares them
(pools in order, nodes by index: the order the engine registers a perNode stack's
nodes), other seeds a shuffle of them (Pulumi creates resources in parallel, and a
perPool stack's pools at once). Those orders, the parallel filters' jitter and v1.36's
batching of identical pods can differ, so other policies give the bounds: `RANDOM` (any feasible
node, seeded), `PACK` (the fullest node that fits: least fragmentation) and `SPREAD`
(the emptiest: most).
"""

import heapq
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from fleet.replay.fleet_nodes import GpuNode, Group
from fleet.replay.runs import PodRun
from fleet.trace.model import TraceRow

Policy = Literal["scheduler", "random", "pack", "spread"]
POLICIES: tuple[Policy, ...] = ("scheduler", "random", "pack", "spread")
MAX_GPUS = 16
# kube-scheduler's adaptive percentageOfNodesToScore (pkg/scheduler/schedule_one.go).
MIN_FEASIBLE_NODES = 100
MIN_FEASIBLE_PERCENT = 5


def feasible_to_find(nodes: int) -> int:
    """How many feasible nodes kube-scheduler looks for before it stops filtering."""
    if nodes < MIN_FEASIBLE_NODES:
        return nodes
    percent = max(50 - nodes // 125, MIN_FEASIBLE_PERCENT)
    return max(nodes * percent // 100, MIN_FEASIBLE_NODES)


@dataclass
class _Pool:
    """A pool's nodes in buckets by free GPUs, for O(1) moves and choices."""

    capacity: int
    buckets: list[list[int]] = field(default_factory=lambda: [[] for _ in range(MAX_GPUS + 1)])

    def fits(self, gpus: int) -> bool:
        return any(self.buckets[free] for free in range(gpus, self.capacity + 1))


@dataclass(frozen=True, order=True)
class _Waiting:
    priority: int
    arrival_s: float
    seq: int
    row: TraceRow = field(compare=False)
    index: int = field(compare=False)


class FleetState:
    """The fleet's free GPUs per node, and the node choices the policies make."""

    def __init__(self, nodes: Sequence[GpuNode], rng: random.Random) -> None:
        self.nodes = list(nodes)
        self.free = [node.gpus for node in nodes]
        self.position = [0] * len(nodes)
        self.groups: dict[Group, _Pool] = {}
        self.rng = rng
        self.start = 0  # where the scheduler's next search begins, in `order`
        # A node offering GPUs both ways is one node to the scheduler.
        self.to_find = feasible_to_find(len({node.name for node in nodes}))
        self.order = list(range(len(nodes)))
        for number, node in enumerate(nodes):
            pool = self.groups.setdefault(node.group, _Pool(node.gpus))
            pool.capacity = max(pool.capacity, node.gpus)
            self._put(number)

    def _put(self, number: int) -> None:
        bucket = self.groups[self.nodes[number].group].buckets[self.free[number]]
        self.position[number] = len(bucket)
        bucket.append(number)

    def _take(self, number: int) -> None:
        bucket = self.groups[self.nodes[number].group].buckets[self.free[number]]
        last = bucket.pop()
        if last != number:
            bucket[self.position[number]] = last
            self.position[last] = self.position[number]

    def change(self, number: int, gpus: int) -> None:
        self._take(number)
        self.free[number] += gpus
        self._put(number)

    def first_found(self, groups: Sequence[Group], gpus: int) -> int | None:
        """The scheduler's pick among equal scores: the first feasible node from where the
        last search stopped; the search stops after `to_find` feasible nodes."""
        count = len(self.nodes)
        chosen, found, checked = None, 0, count
        for offset in range(count):
            number = self.order[(self.start + offset) % count]
            if self.free[number] >= gpus and self.nodes[number].group in groups:
                chosen = number if chosen is None else chosen
                found += 1
                if found == self.to_find:
                    checked = offset + 1
                    break
        self.start = (self.start + checked) % count
        return chosen

    def choose(self, groups: Sequence[Group], gpus: int, policy: Policy) -> int | None:
        """A node of `groups` with `gpus` free, as `policy` picks it; None if none fits."""
        if policy == "scheduler":
            return self.first_found(groups, gpus)
        candidates = [
            (free, bucket)
            for group in groups
            for free, bucket in enumerate(self.groups[group].buckets)
            if free >= gpus and bucket
        ]
        if not candidates:
            return None
        if policy == "pack":
            low = min(free for free, _ in candidates)
            candidates = [c for c in candidates if c[0] == low]
        elif policy == "spread":
            high = max(free for free, _ in candidates)
            candidates = [c for c in candidates if c[0] == high]
        pick = self.rng.randrange(sum(len(bucket) for _, bucket in candidates))
        for _, bucket in candidates:
            if pick < len(bucket):
                return bucket[pick]
            pick -= len(bucket)
        raise AssertionError("unreachable")


# Waiting pods by (groups, GPUs per pod), each a heap in queue order.
_Key = tuple[tuple[Group, ...], int]
_Queues = dict[_Key, list[_Waiting]]


def groups_wanted(
    rows: Sequence[TraceRow], nodes: Sequence[GpuNode]
) -> dict[str, tuple[Group, ...]]:
    """Per job, the groups of nodes (pool, offer) its pods may run on."""
    products = {node.group: node.product for node in nodes}
    return {
        row.job: tuple(
            (pool, offer)
            for (pool, offer), product in products.items()
            if row.wants(pool, product, offer)
        )
        for row in rows
    }


def pools_wanted(rows: Sequence[TraceRow], nodes: Sequence[GpuNode]) -> dict[str, set[str]]:
    """Per job, the pools its pods may run on."""
    return {job: {pool for pool, _ in groups} for job, groups in groups_wanted(rows, nodes).items()}


def predict(
    rows: Sequence[TraceRow], nodes: Sequence[GpuNode], policy: Policy = "scheduler", seed: int = 0
) -> list[PodRun]:
    """Every pod of `rows` on `nodes`: when it starts and ends, and where (trace seconds)."""
    fleet = FleetState(nodes, random.Random(seed))  # noqa: S311 - a seeded model, not a secret
    if seed:
        fleet.rng.shuffle(fleet.order)
    groups_of = groups_wanted(rows, nodes)
    queues: _Queues = {}
    runs: dict[tuple[str, int], PodRun] = {}
    counter = itertools.count()
    # Events: (time, 0 = a pod ends / 1 = a job arrives, seq, payload).
    events: list[tuple[float, int, int, object]] = [
        (row.arrival_s, 1, next(counter), row) for row in rows
    ]
    heapq.heapify(events)
    while events:
        now = events[0][0]
        while events and events[0][0] == now:
            _, kind, _, payload = heapq.heappop(events)
            if kind == 0:
                assert isinstance(payload, tuple)
                number, gpus = payload
                fleet.change(number, gpus)
                continue
            assert isinstance(payload, TraceRow)
            row = payload
            key = (groups_of[row.job], row.gpus_per_pod)
            for index in range(row.pods):
                runs[(row.job, index)] = PodRun(
                    job=row.job, index=index, gpus=row.gpus_per_pod, arrival_s=row.arrival_s
                )
                waiting = _Waiting(-(row.priority or 0), row.arrival_s, next(counter), row, index)
                heapq.heappush(queues.setdefault(key, []), waiting)
        for (groups, gpus), waiting in _placements(queues, fleet):
            number = fleet.choose(groups, gpus, policy)
            assert number is not None
            fleet.change(number, -gpus)
            row = waiting.row
            end = now + row.duration_s
            node = fleet.nodes[number]
            runs[(row.job, waiting.index)] = replace(
                runs[(row.job, waiting.index)],
                start_s=now,
                end_s=end,
                node=node.name,
                pool=node.pool,
            )
            heapq.heappush(events, (end, 0, next(counter), (number, gpus)))
    return list(runs.values())


def _placements(queues: _Queues, fleet: FleetState) -> Iterator[tuple[_Key, _Waiting]]:
    """The waiting pods that can be placed now, in queue order, each taken off its queue.

    Pods with the same groups and GPU count queue together: when the first of such a
    queue does not fit, none of it does. The caller places each pod before the next
    is chosen.
    """
    while True:
        best: _Key | None = None
        for key, queue in queues.items():
            if not queue or (best is not None and queue[0] >= queues[best][0]):
                continue
            groups, gpus = key
            if any(fleet.groups[group].fits(gpus) for group in groups):
                best = key
        if best is None:
            return
        waiting = heapq.heappop(queues[best])
        if not queues[best]:
            del queues[best]
        yield best, waiting
