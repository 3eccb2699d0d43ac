"""Figures of a run of a trace (predicted or observed): GPUs in use per pool over time,
queue length, waits, and stranded GPUs.

A GPU is stranded when it is free on a node of a pool that some waiting pod may use, yet
none of those pods fits on that node (too few GPUs left there): capacity the queue could
use if it were on one node, the fragmentation the "Beware of Fragmentation" paper
(ATC'23) measured on the Alibaba trace. Free GPUs of a pool no waiting pod may use are
idle, not stranded.
"""

import bisect
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from fleet.replay.fleet_nodes import GpuNode, Group
from fleet.replay.predict import MAX_GPUS, groups_wanted
from fleet.replay.runs import PodRun
from fleet.trace.model import TraceRow

HOUR = 3600.0


@dataclass(frozen=True)
class Series:
    """A step function: `values[i]` holds from `times[i]` until the next time."""

    times: list[float]
    values: list[float]

    def at(self, time: float) -> float:
        index = bisect.bisect_right(self.times, time) - 1
        return self.values[index] if index >= 0 else 0.0


@dataclass
class Timeline:
    end_s: float
    gpus_in_use: dict[str, Series]
    queue: Series
    stranded: dict[str, Series]
    waits_s: list[float]
    gpu_hours: dict[str, float]
    stranded_gpu_hours: dict[str, float]
    pods: int
    pods_finished: int
    jobs: int
    jobs_finished: int
    capacity: dict[str, int] = field(default_factory=dict)

    @property
    def mean_wait_s(self) -> float:
        return statistics.fmean(self.waits_s) if self.waits_s else 0.0

    def wait_percentile(self, percent: float) -> float:
        if not self.waits_s:
            return 0.0
        ordered = sorted(self.waits_s)
        return ordered[min(len(ordered) - 1, int(percent / 100 * len(ordered)))]

    @property
    def max_queue(self) -> int:
        return int(max(self.queue.values, default=0))


def _steps(deltas: Sequence[tuple[float, float]]) -> Series:
    times: list[float] = [0.0]
    values: list[float] = [0.0]
    level = 0.0
    for time, delta in sorted(deltas):
        level += delta
        if time == times[-1]:
            values[-1] = level
        else:
            times.append(time)
            values.append(level)
    return Series(times, values)


def run_gpu_hours(run: PodRun, end_s: float) -> float:
    """The GPU-hours of one pod run; one still running at the end counts until `end_s`."""
    if run.start_s is None:
        return 0.0
    stop = run.end_s if run.end_s is not None else end_s
    return run.gpus * (stop - run.start_s) / HOUR


def timeline(
    rows: Sequence[TraceRow], nodes: Sequence[GpuNode], runs: Sequence[PodRun]
) -> Timeline:
    pools = sorted({node.pool for node in nodes})
    capacity: Counter[str] = Counter()
    for node in nodes:
        capacity[node.pool] += node.gpus
    ends = [run.end_s for run in runs if run.end_s is not None]
    end = max([*ends, *(run.start_s or run.arrival_s for run in runs), 0.0])
    in_use: dict[str, list[tuple[float, float]]] = defaultdict(list)
    queue: list[tuple[float, float]] = []
    gpu_hours: dict[str, float] = defaultdict(float)
    jobs_runs = [run for run in runs if not run.evicted]
    for run in runs:
        if not run.evicted:  # an evicted pod held GPUs; its job's pod queues as its replacement
            queue.append((run.arrival_s, 1.0))
        if run.start_s is None or run.pool is None:
            continue
        if not run.evicted:
            queue.append((run.start_s, -1.0))
        stop = run.end_s if run.end_s is not None else end
        in_use[run.pool] += [(run.start_s, run.gpus), (stop, -run.gpus)]
        gpu_hours[run.pool] += run_gpu_hours(run, end)
    stranded = _stranded(rows, nodes, runs)
    jobs_done: dict[str, bool] = {}
    for run in jobs_runs:
        jobs_done[run.job] = jobs_done.get(run.job, True) and run.end_s is not None
    return Timeline(
        end_s=end,
        gpus_in_use={pool: _steps(in_use[pool]) for pool in pools},
        queue=_steps(queue),
        stranded=stranded,
        waits_s=[wait for run in jobs_runs if (wait := run.wait_s) is not None],
        gpu_hours={pool: gpu_hours.get(pool, 0.0) for pool in pools},
        stranded_gpu_hours={
            pool: _integral_hours(series, end) for pool, series in stranded.items()
        },
        pods=len(jobs_runs),
        pods_finished=sum(1 for run in jobs_runs if run.end_s is not None),
        jobs=len(jobs_done),
        jobs_finished=sum(jobs_done.values()),
        capacity=dict(capacity),
    )


def _stranded(
    rows: Sequence[TraceRow], nodes: Sequence[GpuNode], runs: Sequence[PodRun]
) -> dict[str, Series]:
    """Per pool, the free GPUs no waiting pod fits on, after every event (exact steps).

    Nodes are kept as a count per group (pool, offer) and number of free GPUs, so each
    event costs the groups times the GPUs per node, not the nodes.
    """
    number_of = {(node.name, node.offer): number for number, node in enumerate(nodes)}
    offer_of = {row.job: row.asks_by for row in rows}
    wanted = groups_wanted(rows, nodes)
    # (time, order, kind, run): ends free GPUs first, then arrivals queue, then starts.
    events: list[tuple[float, int, PodRun]] = []
    for run in runs:
        if not run.evicted:
            events.append((run.arrival_s, 1, run))
        if run.start_s is not None and (run.node, offer_of.get(run.job)) in number_of:
            events.append((run.start_s, 2, run))
            if run.end_s is not None:
                events.append((run.end_s, 0, run))
    events.sort(key=lambda event: (event[0], event[1]))
    free = [node.gpus for node in nodes]
    pools = sorted({node.pool for node in nodes})
    groups = sorted({node.group for node in nodes})
    counts: dict[Group, list[int]] = {group: [0] * (MAX_GPUS + 1) for group in groups}
    for node in nodes:
        counts[node.group][node.gpus] += 1
    waiting: Counter[tuple[tuple[Group, ...], int]] = Counter()
    series: dict[str, tuple[list[float], list[float]]] = {pool: ([0.0], [0.0]) for pool in pools}

    def move(run: PodRun, gpus: int) -> None:
        number = number_of[(run.node or "", offer_of[run.job])]
        group = counts[nodes[number].group]
        group[free[number]] -= 1
        free[number] += gpus
        group[free[number]] += 1

    for index, (time, order, run) in enumerate(events):
        key = (wanted.get(run.job, ()), run.gpus)
        if order == 1:
            waiting[key] += 1
        elif order == 2:
            waiting[key] -= 0 if run.evicted else 1
            move(run, -run.gpus)
        else:
            move(run, run.gpus)
        if index + 1 < len(events) and events[index + 1][0] == time:
            continue  # record once all events of this instant are in
        smallest: dict[Group, int] = {}
        for (allowed, gpus), count in waiting.items():
            if count > 0:
                for group in allowed:
                    smallest[group] = min(smallest.get(group, gpus), gpus)
        stranded_in: Counter[str] = Counter()
        for group in groups:
            limit = smallest.get(group, 0)
            stranded_in[group[0]] += sum(f * counts[group][f] for f in range(1, limit))
        for pool in pools:
            stranded = float(stranded_in[pool])
            times, values = series[pool]
            if stranded != values[-1]:
                times.append(time)
                values.append(stranded)
    return {pool: Series(times, values) for pool, (times, values) in series.items()}


def _integral_hours(series: Series, end: float) -> float:
    bounds = [*series.times[1:], end]
    return (
        sum(
            value * max(stop - start, 0.0)
            for start, stop, value in zip(series.times, bounds, series.values, strict=True)
        )
        / HOUR
    )
