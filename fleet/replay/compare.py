"""Predicted beside observed: the figures a replay is judged by, and where the waits went.

Observed waits include what the prediction leaves out: the replay's own lag creating a
Job, the Job controller creating its pods, the scheduler's queue (its backoff after a
pod was found unschedulable, up to 10 s of wall time, which `--speed` multiplies) and
KWOK marking the pod Running. `overhead` puts a number on it: the mean observed wait
of the pods the prediction starts at once, i.e. those that never queued for GPUs.
GPU-hours gain what KWOK adds to each pod's run when it ends pods late (`overrun`).
"""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from fleet.replay.fleet_nodes import GpuNode
from fleet.replay.runs import PodRun
from fleet.replay.timeline import Timeline, timeline
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
class Comparison:
    predicted: Timeline
    observed: Timeline
    figures: list[Figure]
    waits: WaitParts


def compare(
    rows: Sequence[TraceRow],
    nodes: Sequence[GpuNode],
    predicted: Sequence[PodRun],
    observed: Sequence[PodRun],
    bounds: dict[str, tuple[float, float]],
) -> Comparison:
    expected, seen = timeline(rows, nodes, predicted), timeline(rows, nodes, observed)
    return Comparison(
        expected, seen, figures(expected, seen, bounds), wait_parts(rows, predicted, observed)
    )


def markdown(comparison: Comparison) -> list[str]:
    """The comparison as a Markdown section (the HTML report has the charts)."""
    lines = [
        "## Replay: predicted and observed",
        "",
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
    return lines
