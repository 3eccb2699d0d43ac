"""Predicted beside observed: the figures a replay is judged by, and where the waits went.

Observed waits include what the prediction leaves out: the replay's own lag creating a
Job, the Job controller creating its pods, the scheduler's queue (its backoff after a
pod was found unschedulable, up to 10 s of wall time, which `--speed` multiplies) and
KWOK marking the pod Running. `overhead` puts a number on it: the mean observed wait
of the pods the prediction starts at once, i.e. those that never queued for GPUs.
GPU-hours gain what KWOK adds to each pod's run when it ends pods late (`overrun`).

Per-pool GPU-hours differ when jobs that accept several pools run in another pool than
predicted: which of the feasible nodes the scheduler finds first depends on the order
its cache holds them, which the prediction cannot know. `placement` splits each pool's
GPU-hours into those of pinned jobs (one pool possible: no choice to get wrong) and
flexible ones, and counts the pods the scheduler put in another pool than predicted.
"""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from fleet.replay.fidelity import Fidelity
from fleet.replay.fidelity import summary as lab_summary
from fleet.replay.fleet_nodes import GpuNode
from fleet.replay.predict import pools_wanted
from fleet.replay.runs import PodRun
from fleet.replay.timeline import Timeline, run_gpu_hours, timeline
from fleet.trace.model import TraceRow

GPU_HOURS_TOLERANCE = 0.02
WAIT_TOLERANCE = 0.20


@dataclass(frozen=True)
class Figure:
    metric: str
    unit: str
    predicted: float
    observed: float
    low: float
    high: float
    pool: str | None = None
    tolerance: float | None = None

    @property
    def gap(self) -> float:
        """Observed minus predicted, relative to the predicted figure (0 when both are 0)."""
        if self.predicted == 0:
            return 0.0 if self.observed == 0 else float("inf")
        return (self.observed - self.predicted) / self.predicted

    @property
    def within(self) -> bool | None:
        return None if self.tolerance is None else abs(self.gap) <= self.tolerance


@dataclass(frozen=True)
class WaitParts:
    """Mean observed seconds (trace time) from a job's arrival to each step of its pods."""

    pod_created: float
    bound: float
    running: float
    overhead: float
    """Mean observed wait of the pods the prediction starts on arrival."""
    overrun: float
    """Mean observed run beyond the row's duration: KWOK ending pods late (its own backlog)."""


def figures(
    predicted: Timeline, observed: Timeline, bounds: dict[str, tuple[float, float]]
) -> list[Figure]:
    rows = [
        Figure(
            "gpu_hours",
            "GPU-hours",
            predicted.gpu_hours[pool],
            observed.gpu_hours.get(pool, 0.0),
            *bounds.get(f"gpu_hours:{pool}", (predicted.gpu_hours[pool],) * 2),
            pool=pool,
            tolerance=GPU_HOURS_TOLERANCE,
        )
        for pool in predicted.gpu_hours
    ]
    rows.append(
        Figure(
            "mean_wait_s",
            "s",
            predicted.mean_wait_s,
            observed.mean_wait_s,
            *bounds.get("mean_wait_s", (predicted.mean_wait_s,) * 2),
            tolerance=WAIT_TOLERANCE,
        )
    )
    rows.append(
        Figure(
            "p90_wait_s",
            "s",
            predicted.wait_percentile(90),
            observed.wait_percentile(90),
            predicted.wait_percentile(90),
            predicted.wait_percentile(90),
        )
    )
    stranded = (
        sum(predicted.stranded_gpu_hours.values()),
        sum(observed.stranded_gpu_hours.values()),
    )
    rows.append(
        Figure(
            "stranded_gpu_hours",
            "GPU-hours",
            *stranded,
            *bounds.get("stranded_gpu_hours", (stranded[0],) * 2),
        )
    )
    rows.append(
        Figure(
            "end_s",
            "s",
            predicted.end_s,
            observed.end_s,
            *bounds.get("end_s", (predicted.end_s,) * 2),
        )
    )
    return rows


def wait_parts(
    rows: Sequence[TraceRow], predicted: Sequence[PodRun], observed: Sequence[PodRun]
) -> WaitParts:
    def mean(values: list[float]) -> float:
        return statistics.fmean(values) if values else 0.0

    at_once = {(run.job, run.index) for run in predicted if run.wait_s == 0}
    duration = {row.job: row.duration_s for row in rows}
    observed = [run for run in observed if not run.evicted]  # cut short: not a job's run
    return WaitParts(
        pod_created=mean([r.created_s - r.arrival_s for r in observed if r.created_s is not None]),
        bound=mean([r.bound_s - r.arrival_s for r in observed if r.bound_s is not None]),
        running=mean([w for r in observed if (w := r.wait_s) is not None]),
        overhead=mean(
            [w for r in observed if (r.job, r.index) in at_once and (w := r.wait_s) is not None]
        ),
        overrun=mean(
            [
                r.end_s - r.start_s - duration[r.job]
                for r in observed
                if r.start_s is not None and r.end_s is not None
            ]
        ),
    )


@dataclass(frozen=True)
class Placement:
    """Where the pods ran, pinned jobs (one pool possible) apart from flexible ones."""

    pinned: dict[str, tuple[float, float]]
    """Per pool, predicted and observed GPU-hours of pods whose job accepts that pool only."""
    flexible: dict[str, tuple[float, float]]
    """Per pool, the same for pods whose job accepts several pools."""
    flexible_pods: int
    moved_pods: int
    """Flexible pods that ran in another pool than the prediction put them in."""


def placement(
    rows: Sequence[TraceRow],
    nodes: Sequence[GpuNode],
    predicted: Sequence[PodRun],
    observed: Sequence[PodRun],
    ends: tuple[float, float],
) -> Placement:
    """`ends`: the predicted and observed timelines' ends, where GPU-hours of pods still
    running stop, as in the timelines' own per-pool figures."""
    pools_of = pools_wanted(rows, nodes)
    sums: dict[bool, dict[str, list[float]]] = {True: {}, False: {}}
    for side, (runs, end) in enumerate(zip((predicted, observed), ends, strict=True)):
        for run in runs:
            if run.pool is not None:
                pinned = len(pools_of.get(run.job, ())) == 1
                sums[pinned].setdefault(run.pool, [0.0, 0.0])[side] += run_gpu_hours(run, end)
    where = {(r.job, r.index): r.pool for r in predicted if r.pool is not None}
    flexible = [r for r in observed if r.pool is not None and len(pools_of.get(r.job, ())) > 1]
    moved = [r for r in flexible if where.get((r.job, r.index), r.pool) != r.pool]
    return Placement(
        {pool: (a, b) for pool, (a, b) in sorted(sums[True].items())},
        {pool: (a, b) for pool, (a, b) in sorted(sums[False].items())},
        len(flexible),
        len(moved),
    )


@dataclass(frozen=True)
class Comparison:
    predicted: Timeline
    observed: Timeline
    figures: list[Figure]
    waits: WaitParts
    placement: Placement


def compare(
    rows: Sequence[TraceRow],
    nodes: Sequence[GpuNode],
    predicted: Sequence[PodRun],
    observed: Sequence[PodRun],
    bounds: dict[str, tuple[float, float]],
) -> Comparison:
    expected, seen = timeline(rows, nodes, predicted), timeline(rows, nodes, observed)
    return Comparison(
        expected,
        seen,
        figures(expected, seen, bounds),
        wait_parts(rows, predicted, observed),
        placement(rows, nodes, predicted, observed, (expected.end_s, seen.end_s)),
    )


def markdown(comparison: Comparison, lab: Fidelity | None = None) -> list[str]:
    """The comparison as a Markdown section (the HTML report has the charts), after the
    verdict on the lab's fidelity when the replay measured it."""
    lines = [
        "## Replay: predicted and observed",
        "",
        *([lab_summary(lab), ""] if lab is not None else []),
        "| figure | predicted | bounds | observed | gap |",
        "|---|---|---|---|---|",
    ]
    for row in comparison.figures:
        verdict = {True: " ok", False: " OUT", None: ""}[row.within]
        name = f"{row.metric} ({row.pool})" if row.pool else row.metric
        lines.append(
            f"| {name} | {row.predicted:,.1f} | {row.low:,.1f} - {row.high:,.1f} | "
            f"{row.observed:,.1f} | {row.gap:+.1%}{verdict} |"
        )
    waits = comparison.waits
    observed = comparison.observed
    lines += [
        "",
        f"{observed.jobs_finished} of {observed.jobs} jobs finished. Mean observed wait from "
        f"a job's arrival (trace seconds): pod created {waits.pod_created:,.0f}, bound "
        f"{waits.bound:,.0f}, running {waits.running:,.0f}; pods the prediction starts at once "
        f"waited {waits.overhead:,.0f}; pods ran {waits.overrun:,.0f} longer than their "
        "duration on average (KWOK ending them late).",
        "",
    ]
    if summary := placement_summary(comparison.placement):
        lines += [summary, ""]
    return lines


def _split(hours: dict[str, tuple[float, float]]) -> str:
    return ", ".join(
        f"{pool} {a:,.1f} / {b:,.1f} ({(b - a) / a:+.1%})" if a else f"{pool} {a:,.1f} / {b:,.1f}"
        for pool, (a, b) in hours.items()
    )


def placement_summary(found: Placement) -> str:
    """Why per-pool GPU-hours differ: the pools the scheduler chose for flexible jobs
    (empty when every job accepts one pool only)."""
    if not found.flexible_pods:
        return ""
    return (
        f"GPU-hours per pool, predicted / observed, of pods whose job accepts one pool only: "
        f"{_split(found.pinned) or 'none'}. Of the {found.flexible_pods:,} pods whose job "
        f"accepts several pools, the scheduler put {found.moved_pods:,} in another pool than "
        f"predicted (the first feasible node its search finds); their GPU-hours: "
        f"{_split(found.flexible)}."
    )
