"""How far the lab is behind the trace: per stage, the lag of each Job and pod, live during
a replay and summed up after it, and whether the run was faithful.

Stages, each measured from the step before it (wall seconds; times the speed in trace
seconds):

- `job`: the replay's create request for a Job returned after the Job was due;
- `pod`: the Job controller created the pod after its Job existed;
- `bind`: the scheduler bound the pod after it was created and its node had room (only
  pods the prediction starts on arrival: any other pod may be waiting for GPUs, which is
  the figure, not lag; and from when the node it went to had its GPUs free, since the
  scheduler may have placed earlier pods elsewhere than the model did, and a pod waiting
  for a pod on its node to end is queueing, not lagging);
- `run`: KWOK reported the bound pod Running;
- `end`: KWOK ended the pod after its run (its delay annotation) was over.

`start` is the sum the figures carry: from a Job's due time to its pod Running, for pods
the prediction starts on arrival, less any time their node had no room for them. A run is
faithful when the 95th percentile of `start` and of `end` stays within the bound, in
trace seconds the larger of two references: the trace's resolution in time, `LAG_SHARE`
of its median pod duration (a lag under it moves a pod's start or end by less than a
twentieth of its run, so occupancy over time and GPU-hours keep their shape), and the
waits it measures, `WAIT_SHARE` of the predicted mean wait (a lag under it stays within
the tolerance the mean wait is compared with). A constant lag shifts the whole timeline;
a growing one is a backlog, and crosses the bound. Every observed wait carries the
`start` lag, which the report states beside them.
"""

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from fleet.replay.observe import PodTimes
from fleet.replay.runs import PodRun
from fleet.trace.model import TraceRow

STAGES = ("job", "pod", "bind", "run", "end")
STAGE_CAUSES = {
    "job": "the replay's Job creates (the API server answering)",
    "pod": "the Job controller creating pods",
    "bind": "the scheduler binding pods",
    "run": "KWOK marking pods Running",
    "end": "KWOK ending pods",
}
LAG_SHARE = 0.05
WAIT_SHARE = 0.20
RECENT_S = 5.0
"""Wall seconds: the live lag of a stage is the most of its steps done this recently and of
the steps still outstanding."""


@dataclass(frozen=True)
class JobMarks:
    """One Job of the replay as planned: when it is due (wall s since the start), its pods
    and how long they run. When its create request returned is kept apart (`created`)."""

    due: float
    pods: int
    run_s: float
    """Wall seconds each pod runs (the row's duration over the speed)."""
    at_once: frozenset[int]
    """Indexes of its pods the prediction starts on arrival."""
    gpus: int = 0
    """GPUs each pod asks for."""


class LagFigures(BaseModel):
    """Wall seconds of one stage's lags over the run."""

    model_config = ConfigDict(extra="forbid")

    count: int
    median: float
    p95: float
    max: float


class LagSample(BaseModel):
    """The live lag of every stage at one moment (wall seconds since the start)."""

    model_config = ConfigDict(extra="forbid")

    wall_s: float
    lags: dict[str, float]


class Fidelity(BaseModel):
    """The replay's lags, its bound and the verdict, as `replay.json` holds them."""

    model_config = ConfigDict(extra="forbid")

    speed: float
    bound_s: float
    """Trace seconds (`bound_s`)."""
    stages: dict[str, LagFigures]
    """Per stage (and `start`), wall seconds."""
    series: list[LagSample] = []
    faithful: bool
    causes: list[str] = []


def job_marks(
    rows: Iterable[TraceRow], speed: float, predicted: Iterable[PodRun]
) -> dict[str, JobMarks]:
    """Each row's Job as the replay plans it; `predicted`: the central prediction's runs."""
    at_once: dict[str, set[int]] = {}
    for run in predicted:
        if run.wait_s == 0:
            at_once.setdefault(run.job, set()).add(run.index)
    return {
        row.job: JobMarks(
            row.arrival_s / speed,
            row.pods,
            row.duration_s / speed,
            frozenset(at_once.get(row.job, ())),
            row.gpus_per_pod,
        )
        for row in rows
    }


def percentile(values: Sequence[float], percent: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(percent / 100 * len(ordered)))]


def figures_of(values: Sequence[float]) -> LagFigures:
    return LagFigures(
        count=len(values),
        median=statistics.median(values) if values else 0.0,
        p95=percentile(values, 95),
        max=max(values, default=0.0),
    )


def bound_s(rows: Iterable[TraceRow], predicted_wait_s: float) -> float:
    """The lag a faithful run stays within, in trace seconds: `LAG_SHARE` of the median
    pod duration or `WAIT_SHARE` of the predicted mean wait, whichever is larger."""
    durations = [row.duration_s for row in rows]
    by_duration = LAG_SHARE * statistics.median(durations) if durations else 0.0
    return max(by_duration, WAIT_SHARE * predicted_wait_s)


def _free_at(moment: float, size: int, holders: Iterable[tuple[PodTimes, int]]) -> int:
    """A node's free GPUs at `moment`, from the pods bound to it and the GPUs each holds."""
    held = sum(
        gpus
        for pod, gpus in holders
        if pod.bound is not None
        and pod.bound <= moment
        and (pod.finished is None or pod.finished > moment)
    )
    return size - held


def room_waits(
    jobs: Mapping[str, JobMarks], pods: Sequence[PodTimes], capacity: Mapping[str, int]
) -> dict[str, float]:
    """Per pod (by name), the wall seconds after its creation until the node it was bound to
    had its GPUs free, from the GPUs the pods bound there before it held (0 when it had
    room at once, or its node's size is not known)."""
    by_node: dict[str, list[tuple[PodTimes, int]]] = {}
    for pod in pods:
        if pod.node is not None and pod.bound is not None and pod.job in jobs:
            by_node.setdefault(pod.node, []).append((pod, jobs[pod.job].gpus))
    waits: dict[str, float] = {}
    for node, placed in by_node.items():
        size = capacity.get(node)
        if size is None:
            continue
        for pod, asks in placed:
            bound = pod.bound or 0.0
            earlier = [(other, gpus) for other, gpus in placed if (other.bound or 0.0) < bound]
            ends = sorted(
                other.finished
                for other, _ in earlier
                if other.finished is not None and pod.created < other.finished <= bound
            )
            ready = next(
                (
                    moment
                    for moment in (pod.created, *ends)
                    if _free_at(moment, size, earlier) >= asks
                ),
                bound,
            )
            waits[pod.name] = ready - pod.created
    return waits


def stage_lags(
    jobs: Mapping[str, JobMarks],
    created: Mapping[str, float],
    pods: Iterable[PodTimes],
    capacity: Mapping[str, int] | None = None,
) -> dict[str, list[float]]:
    """Every finished step's lag per stage (and `start`), wall seconds; `created`: when each
    Job's create request returned; `capacity`: GPUs per node, to tell a pod that waited for
    room on its node from one the scheduler was slow to bind."""
    pods = list(pods)
    waited = room_waits(jobs, pods, capacity or {})
    lags: dict[str, list[float]] = {stage: [] for stage in (*STAGES, "start")}
    for job, marks in jobs.items():
        if job in created:
            lags["job"].append(created[job] - marks.due)
    for pod in pods:
        planned = jobs.get(pod.job)
        if planned is None or pod.job not in created or pod.phase == "Deleted":
            continue
        lags["pod"].append(pod.created - created[pod.job])
        at_once = pod.index in planned.at_once
        room = waited.get(pod.name, 0.0)
        if pod.bound is not None and at_once:
            lags["bind"].append(pod.bound - pod.created - room)
        if pod.running is not None and pod.bound is not None:
            lags["run"].append(pod.running - pod.bound)
        if pod.running is not None and at_once:
            lags["start"].append(pod.running - planned.due - room)
        if pod.finished is not None and pod.running is not None and pod.phase == "Succeeded":
            lags["end"].append(pod.finished - pod.running - planned.run_s)
    return {stage: [max(lag, 0.0) for lag in values] for stage, values in lags.items()}


def live_lags(
    now: float,
    jobs: Mapping[str, JobMarks],
    created: Mapping[str, float],
    pods: Iterable[PodTimes],
) -> dict[str, float]:
    """Per stage, the longest lag of a step done in the last `RECENT_S` or still waiting now
    (a step still waiting has lagged `now` minus when it could have happened)."""
    worst = dict.fromkeys(STAGES, 0.0)

    def note(stage: str, since: float, done: float | None) -> None:
        if done is None:
            worst[stage] = max(worst[stage], now - since)
        elif done >= now - RECENT_S:
            worst[stage] = max(worst[stage], done - since)

    seen: dict[str, int] = {}
    for pod in pods:
        marks = jobs.get(pod.job)
        if marks is None or pod.job not in created or pod.phase == "Deleted":
            continue
        seen[pod.job] = seen.get(pod.job, 0) + 1
        note("pod", created[pod.job], pod.created)
        if pod.index in marks.at_once:
            note("bind", pod.created, pod.bound)
        if pod.bound is not None:
            note("run", pod.bound, pod.running)
        if pod.running is not None:
            ends = pod.running + marks.run_s
            if pod.finished is not None or ends < now:
                note("end", ends, pod.finished)
    for job, marks in jobs.items():
        if marks.due <= now:
            note("job", marks.due, created.get(job))
        if job in created and seen.get(job, 0) < marks.pods:
            note("pod", created[job], None)
    return {stage: round(max(lag, 0.0), 2) for stage, lag in worst.items()}


def judge(
    stages: Mapping[str, LagFigures], bound: float, speed: float, finished: bool
) -> tuple[bool, list[str]]:
    """Faithful or not, and why not: each figure over the bound with the stage behind it."""
    causes = []
    if not finished:
        causes.append("not every job finished before the replay stopped waiting")
    start = stages.get("start")
    if start is not None and start.count and start.p95 * speed > bound:
        steps = [stage for stage in STAGES if stage != "end" and stage in stages]
        worst = max(steps, key=lambda stage: stages[stage].p95)
        causes.append(
            f"pods started up to {start.p95 * speed:,.0f} trace s (p95; {start.p95:.1f} s of "
            f"wall time) after their arrival, above the bound of {bound:,.0f} trace s; the "
            f"largest stage: {STAGE_CAUSES[worst]} (p95 {stages[worst].p95:.1f} s of wall time)"
        )
    end = stages.get("end")
    if end is not None and end.count and end.p95 * speed > bound:
        causes.append(
            f"pods ended up to {end.p95 * speed:,.0f} trace s (p95; {end.p95:.1f} s of wall "
            f"time) after their duration, above the bound of {bound:,.0f} trace s: "
            f"{STAGE_CAUSES['end']} late"
        )
    return not causes, causes


def fidelity(
    bound: float,
    jobs: Mapping[str, JobMarks],
    created: Mapping[str, float],
    pods: Iterable[PodTimes],
    speed: float,
    finished: bool,
    series: Sequence[LagSample] = (),
    capacity: Mapping[str, int] | None = None,
) -> Fidelity:
    lags = stage_lags(jobs, created, pods, capacity)
    stages = {stage: figures_of(values) for stage, values in lags.items()}
    faithful, causes = judge(stages, bound, speed, finished)
    return Fidelity(
        speed=speed,
        bound_s=bound,
        stages=stages,
        series=list(series),
        faithful=faithful,
        causes=causes,
    )


def summary(found: Fidelity) -> str:
    """One paragraph for the report: the verdict, the bound and the lags."""
    start, end = found.stages.get("start"), found.stages.get("end")
    parts = ", ".join(
        f"{stage} {figures.p95:.2f}"
        for stage, figures in found.stages.items()
        if stage in STAGES and figures.count
    )
    lags = f"Lag per stage, p95 in wall seconds: {parts}." if parts else ""
    start_text = (
        f" Pods the prediction starts on arrival ran {start.median * found.speed:,.0f} trace s "
        f"(median; p95 {start.p95 * found.speed:,.0f}) after their arrival: every observed "
        "wait carries that latency."
        if start is not None and start.count
        else ""
    )
    end_text = (
        f" Pods ended {end.median * found.speed:,.0f} trace s (median) after their duration."
        if end is not None and end.count
        else ""
    )
    bound = (
        f"the bound: p95 lag within {found.bound_s:,.0f} trace s, {LAG_SHARE:.0%} of the "
        f"trace's median pod duration or {WAIT_SHARE:.0%} of its predicted mean wait, "
        "whichever is larger"
    )
    if found.faithful:
        verdict = f"**Faithful**: the lab kept up with the trace at {found.speed:g}x ({bound})."
    else:
        verdict = (
            f"**Drifted**: the lab fell behind the trace at {found.speed:g}x ({bound}); the "
            f"figures below measure that backlog as much as the fleet: {'; '.join(found.causes)}."
        )
    return f"{verdict}{start_text}{end_text} {lags}".strip()
