"""The figures that compare schedulers on the same trace and fleet, from an observed replay.

All times are trace seconds. A job is *admitted* when every one of its pods is bound to
a node: the scheduler (with Kueue, the queue manager and then kube-scheduler) has given
it its GPUs, whichever way it got there. A *gang* is a job of several pods; its wait
runs from its arrival until all its pods are Running. Both are taken over the jobs
admitted (the gangs whole) when the replay stops watching: jobs still waiting then are
left out, so they are read beside the jobs finished and the occupancy. A pod a scheduler
evicts (to preempt or reclaim its GPUs) held GPUs while it ran; its job's times are its
replacement's.

Quota fairness is measured where quotas decide something: while every team has pods
waiting (each wants more than it has), each team's share of the GPUs in use should be
its share of the quotas. Over that contended time, `x` of a team is its share of the
GPU-seconds used divided by its quota share, and the figure is Jain's index of the
`x`s, `(sum x)^2 / (n * sum x^2)`: 1 when every team got exactly its quota share, 1/n
when one team got everything. With no contended time there is nothing to judge (None).
Schedulers compared side by side are judged over the same time: the times every team
waited under each of them (`contended_intervals`, then `intersect`), given as `window`.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fleet.replay.fleet_nodes import GpuNode
from fleet.replay.runs import PodRun
from fleet.replay.timeline import HOUR, timeline
from fleet.trace.model import TraceRow


def percentile(values: Sequence[float], percent: float) -> float | None:
    """The nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))
    return ordered[int(rank) - 1]


def jain(values: Sequence[float]) -> float | None:
    """Jain's fairness index of `values` (None when there are none or all are 0)."""
    squares = sum(value * value for value in values)
    if not values or squares == 0:
        return None
    return sum(values) ** 2 / (len(values) * squares)


@dataclass(frozen=True)
class Fairness:
    contended_s: float
    """Trace seconds judged: those during which every team had pods waiting (or the
    window's, when one was given)."""
    shares: dict[str, float]
    """Each team's share of the GPU-seconds used during that time (0 to 1)."""
    index: float | None


@dataclass(frozen=True)
class SchedulerFigures:
    jobs: int
    jobs_finished: int
    admission_s: list[float]
    gang_wait_s: list[float]
    occupancy_percent: float
    stranded_gpu_hours: float
    fairness: Fairness
    evicted_pods: int
    """Pods deleted while they ran (preempted or reclaimed), then replaced."""


def _by_job(runs: Sequence[PodRun]) -> dict[str, list[PodRun]]:
    """Each job's runs, without its evicted pods (their replacements are the job's)."""
    jobs: dict[str, list[PodRun]] = defaultdict(list)
    for run in runs:
        if not run.evicted:
            jobs[run.job].append(run)
    return jobs


def admission_waits(runs: Sequence[PodRun]) -> list[float]:
    """Per admitted job, from its arrival to its last pod bound (or seen running)."""
    waits = []
    for pods in _by_job(runs).values():
        bound = [run.bound_s if run.bound_s is not None else run.start_s for run in pods]
        if all(time is not None for time in bound):
            waits.append(max(max(t for t in bound if t is not None) - pods[0].arrival_s, 0.0))
    return waits


def gang_waits(runs: Sequence[PodRun]) -> list[float]:
    """Per job of several pods that all ran, from its arrival to its last pod Running."""
    waits = []
    for pods in _by_job(runs).values():
        starts = [run.start_s for run in pods]
        if len(pods) > 1 and all(start is not None for start in starts):
            waits.append(max(max(s for s in starts if s is not None) - pods[0].arrival_s, 0.0))
    return waits


Interval = tuple[float, float]


@dataclass(frozen=True)
class _Segment:
    start: float
    end: float
    in_use: dict[str, int]
    all_waiting: bool


def _segments(
    rows: Sequence[TraceRow], runs: Sequence[PodRun], teams: Sequence[str], end_s: float
) -> list[_Segment]:
    """The replay cut where a team's pods waiting or GPUs in use change: per piece, each
    team's GPUs in use and whether every team had pods waiting."""
    team_of = {row.job: row.team for row in rows}
    # (time, team, change of pods waiting, change of GPUs in use)
    events: list[tuple[float, str, int, int]] = []
    for run in runs:
        team = team_of.get(run.job)
        if team not in teams or team is None:
            continue
        waits = 0 if run.evicted else 1  # an evicted pod's replacement is the one waiting
        events.append((run.arrival_s, team, waits, 0))
        if run.start_s is not None:
            events.append((run.start_s, team, -waits, run.gpus))
            events.append((run.end_s if run.end_s is not None else end_s, team, 0, -run.gpus))
    events.sort(key=lambda event: event[0])
    waiting: dict[str, int] = dict.fromkeys(teams, 0)
    in_use: dict[str, int] = dict.fromkeys(teams, 0)
    segments = []
    for index, (time, team, pods, gpus) in enumerate(events):
        waiting[team] += pods
        in_use[team] += gpus
        following = events[index + 1][0] if index + 1 < len(events) else time
        if following > time:
            all_waiting = bool(teams) and all(waiting[t] > 0 for t in teams)
            segments.append(_Segment(time, following, dict(in_use), all_waiting))
    return segments


def _merged(intervals: Sequence[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect(first: Sequence[Interval], second: Sequence[Interval]) -> list[Interval]:
    """The times in both lists of intervals, as sorted disjoint intervals."""
    a, b = _merged(first), _merged(second)
    both: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            both.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return both


def contended_intervals(
    rows: Sequence[TraceRow], runs: Sequence[PodRun], quotas: Mapping[str, int], end_s: float
) -> list[Interval]:
    """When every team (of a quota above 0) had pods waiting, as sorted disjoint intervals."""
    teams = [team for team, gpus in quotas.items() if gpus > 0]
    pieces = [(s.start, s.end) for s in _segments(rows, runs, teams, end_s) if s.all_waiting]
    return _merged(pieces)


def fairness(
    rows: Sequence[TraceRow],
    runs: Sequence[PodRun],
    quotas: Mapping[str, int],
    end_s: float,
    window: Sequence[Interval] | None = None,
) -> Fairness:
    """Jain's index of each team's GPU share over its quota share, while every team waits;
    or, given a `window` (the times every team waited under every scheduler compared),
    over that window, so that schedulers are judged over the same time."""
    teams = [team for team, gpus in quotas.items() if gpus > 0]
    segments = _segments(rows, runs, teams, end_s)
    judged = (
        [(s.start, s.end) for s in segments if s.all_waiting] if window is None else _merged(window)
    )
    used: dict[str, float] = dict.fromkeys(teams, 0.0)
    for segment in segments:
        for start, end in intersect([(segment.start, segment.end)], judged):
            for name in teams:
                used[name] += segment.in_use[name] * (end - start)
    contended = sum(end - start for start, end in _merged(judged))
    total = sum(used.values())
    if total == 0:
        return Fairness(contended, dict.fromkeys(teams, 0.0), None)
    quota_total = sum(quotas[team] for team in teams)
    shares = {team: used[team] / total for team in teams}
    ratios = [shares[team] / (quotas[team] / quota_total) for team in teams]
    return Fairness(contended, shares, jain(ratios))


def contended_window(
    rows: Sequence[TraceRow],
    nodes: Sequence[GpuNode],
    runs: Sequence[PodRun],
    quotas: Mapping[str, int],
) -> list[Interval]:
    """`contended_intervals` of one observed replay, up to its last event."""
    return contended_intervals(rows, runs, quotas, timeline(rows, nodes, runs).end_s)


def scheduler_figures(
    rows: Sequence[TraceRow],
    nodes: Sequence[GpuNode],
    runs: Sequence[PodRun],
    quotas: Mapping[str, int],
    window: Sequence[Interval] | None = None,
) -> SchedulerFigures:
    """The comparison's figures of one observed replay; `quotas` is each team's GPUs;
    fairness over `window` when given (`fairness`)."""
    seen = timeline(rows, nodes, runs)
    capacity = sum(node.gpus for node in nodes)
    used_hours = sum(seen.gpu_hours.values())
    span_hours = seen.end_s / HOUR
    occupancy = 100 * used_hours / (capacity * span_hours) if span_hours > 0 else 0.0
    return SchedulerFigures(
        jobs=seen.jobs,
        jobs_finished=seen.jobs_finished,
        admission_s=admission_waits(runs),
        gang_wait_s=gang_waits(runs),
        occupancy_percent=occupancy,
        stranded_gpu_hours=sum(seen.stranded_gpu_hours.values()),
        fairness=fairness(rows, runs, quotas, seen.end_s, window),
        evicted_pods=sum(1 for run in runs if run.evicted),
    )
