"""Figures of a run of a trace (predicted or observed): GPUs in use per pool over time,
queue length, waits, and stranded GPUs.

A GPU is stranded when it is free while pods wait, yet no waiting pod fits on its node
(too few GPUs left there, or the node is not in the pool or product a waiting pod
needs): the fragmentation the "Beware of Fragmentation" paper (ATC'23) measured on the
Alibaba trace. Stranded GPUs are sampled at `SAMPLES` points over the run.
"""

import bisect
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from fleet.replay.fleet_nodes import GpuNode
from fleet.replay.predict import pools_wanted
from fleet.replay.runs import PodRun
from fleet.trace.model import TraceRow

SAMPLES = 600
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
    for run in runs:
        queue.append((run.arrival_s, 1.0))
        if run.start_s is None or run.pool is None:
            continue
        queue.append((run.start_s, -1.0))
        stop = run.end_s if run.end_s is not None else end
        in_use[run.pool] += [(run.start_s, run.gpus), (stop, -run.gpus)]
        gpu_hours[run.pool] += run.gpus * (stop - run.start_s) / HOUR
    stranded = _stranded(rows, nodes, runs, end)
    step = end / SAMPLES if end else 0.0
    jobs_done: dict[str, bool] = {}
    for run in runs:
        jobs_done[run.job] = jobs_done.get(run.job, True) and run.end_s is not None
    return Timeline(
        end_s=end,
        gpus_in_use={pool: _steps(in_use[pool]) for pool in pools},
        queue=_steps(queue),
        stranded=stranded,
        waits_s=[wait for run in runs if (wait := run.wait_s) is not None],
        gpu_hours={pool: gpu_hours.get(pool, 0.0) for pool in pools},
        stranded_gpu_hours={
            pool: sum(series.values) * step / HOUR for pool, series in stranded.items()
        },
        pods=len(runs),
        pods_finished=sum(1 for run in runs if run.end_s is not None),
        jobs=len(jobs_done),
        jobs_finished=sum(jobs_done.values()),
        capacity=dict(capacity),
    )


def _stranded(
    rows: Sequence[TraceRow], nodes: Sequence[GpuNode], runs: Sequence[PodRun], end: float
) -> dict[str, Series]:
    """Per pool, free GPUs no waiting pod fits on, sampled at `SAMPLES` points up to `end`."""
    index_of = {node.name: number for number, node in enumerate(nodes)}
    wanted = pools_wanted(rows, nodes)
    # (time, order, kind, payload): starts and ends change nodes, arrivals and starts the queue.
    events: list[tuple[float, int, str, PodRun]] = []
    for run in runs:
        events.append((run.arrival_s, 1, "arrive", run))
        if run.start_s is not None and run.node in index_of:
            events.append((run.start_s, 2, "start", run))
            if run.end_s is not None:
                events.append((run.end_s, 0, "end", run))
    events.sort(key=lambda event: (event[0], event[1]))
    free = [node.gpus for node in nodes]
    waiting: Counter[tuple[tuple[str, ...], int]] = Counter()
    samples = [end * i / SAMPLES for i in range(SAMPLES)]
    series: dict[str, list[float]] = {node.pool: [] for node in nodes}
    cursor = 0
    for time in samples:
        while cursor < len(events) and events[cursor][0] <= time:
            _, _, kind, run = events[cursor]
            cursor += 1
            key = (wanted.get(run.job, ()), run.gpus)
            if kind == "arrive":
                waiting[key] += 1
            elif kind == "start":
                waiting[key] -= 1
                free[index_of[run.node or ""]] -= run.gpus
            else:
                free[index_of[run.node or ""]] += run.gpus
        smallest: dict[str, int] = {}
        for (pools, gpus), count in waiting.items():
            if count > 0:
                for pool in pools:
                    smallest[pool] = min(smallest.get(pool, gpus), gpus)
        totals: Counter[str] = Counter()
        if any(count > 0 for count in waiting.values()):
            for number, node in enumerate(nodes):
                left = free[number]
                if left > 0 and left < smallest.get(node.pool, node.gpus + 1):
                    totals[node.pool] += left
        for pool in series:
            series[pool].append(float(totals[pool]))
    return {pool: Series(samples, values) for pool, values in series.items()}
