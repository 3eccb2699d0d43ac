"""The report's charts, drawn with matplotlib's SVG backend into strings for inline use.

Text is drawn as paths (`svg.fonttype: path`), so the page needs no font; every
chart marks predicted lines dashed and observed lines solid, in fixed colours the
browser test looks for.
"""

import functools
import io
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from fleet.replay.timeline import HOUR, Series, Timeline

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PREDICTED = "#1f77b4"
OBSERVED = "#d62728"
CAPACITY = "#7f7f7f"
POINTS = 800


@functools.cache
def _pyplot() -> ModuleType:
    """matplotlib's pyplot on the SVG backend, loaded on first use: it takes about a second,
    which every other `python -m fleet` command should not pay."""
    import matplotlib

    matplotlib.use("svg")
    matplotlib.rcParams.update({"svg.fonttype": "path", "svg.hashsalt": "gpu-fleet"})
    import matplotlib.pyplot

    return matplotlib.pyplot


def _svg(figure: "Figure") -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight")
    _pyplot().close(figure)
    text = out.getvalue()
    return text[text.index("<svg") :]


def _grid(end_s: float) -> list[float]:
    return [end_s * i / POINTS for i in range(POINTS + 1)]


def _sampled(series: Series, grid: Sequence[float]) -> list[float]:
    return [series.at(time) for time in grid]


def gpus_per_pool(predicted: Timeline, observed: Timeline, capacity: dict[str, int]) -> str:
    """One panel per pool: GPUs in use over trace hours, predicted (dashed) and observed."""
    pools = list(predicted.gpus_in_use)
    end = max(predicted.end_s, observed.end_s, 1.0)
    grid = _grid(end)
    columns = min(3, len(pools))
    rows = -(-len(pools) // columns)
    figure, axes = _pyplot().subplots(
        rows, columns, figsize=(4.2 * columns, 2.6 * rows), squeeze=False, sharex=True
    )
    for axis, pool in zip(axes.flat, pools, strict=False):
        empty = Series([0.0], [0.0])
        _steps(axis, grid, predicted.gpus_in_use[pool], observed.gpus_in_use.get(pool, empty))
        axis.axhline(capacity.get(pool, 0), color=CAPACITY, linewidth=0.8, label="GPUs")
        axis.set_title(pool, fontsize=10)
        axis.set_ylim(bottom=0)
    for axis in axes.flat[len(pools) :]:
        axis.set_visible(False)
    for axis in axes[-1]:
        axis.set_xlabel("trace time (h)")
    axes.flat[0].set_ylabel("GPUs in use")
    axes.flat[0].legend(fontsize=8, loc="upper right")
    figure.tight_layout()
    return _svg(figure)


def _steps(axis: Any, grid: Sequence[float], predicted: Series, observed: Series) -> None:
    """Predicted (dashed) and observed (solid) step lines over trace hours."""
    hours = [time / HOUR for time in grid]
    for series, colour, style, label in (
        (predicted, PREDICTED, "--", "predicted"),
        (observed, OBSERVED, "-", "observed"),
    ):
        axis.step(
            hours, _sampled(series, grid), where="post", color=colour, linestyle=style, label=label
        )


def _two_lines(predicted: Series, observed: Series, end: float, ylabel: str) -> str:
    figure, axis = _pyplot().subplots(figsize=(8.4, 2.8))
    _steps(axis, _grid(end), predicted, observed)
    axis.set_xlabel("trace time (h)")
    axis.set_ylabel(ylabel)
    axis.set_ylim(bottom=0)
    axis.legend(fontsize=8)
    figure.tight_layout()
    return _svg(figure)


def queue_length(predicted: Timeline, observed: Timeline) -> str:
    end = max(predicted.end_s, observed.end_s, 1.0)
    return _two_lines(predicted.queue, observed.queue, end, "pods waiting")


def _total(series: dict[str, Series]) -> Series:
    """The sum of step functions, stepping wherever one of them does."""
    times = sorted({time for one in series.values() for time in one.times})
    return Series(times, [sum(one.at(time) for one in series.values()) for time in times])


def stranded(predicted: Timeline, observed: Timeline) -> str:
    """Free GPUs no waiting pod fits on, all pools together."""
    end = max(predicted.end_s, observed.end_s, 1.0)
    return _two_lines(_total(predicted.stranded), _total(observed.stranded), end, "stranded GPUs")


def waits(predicted: Timeline, observed: Timeline) -> str:
    """The distribution of waits: the share of pods that waited at most so long."""
    figure, axis = _pyplot().subplots(figsize=(8.4, 2.8))
    for timeline, colour, style, label in (
        (predicted, PREDICTED, "--", "predicted"),
        (observed, OBSERVED, "-", "observed"),
    ):
        ordered = sorted(timeline.waits_s)
        if ordered:
            shares = [(i + 1) / len(ordered) for i in range(len(ordered))]
            axis.step(
                [w / 60 for w in ordered],
                shares,
                where="post",
                color=colour,
                linestyle=style,
                label=label,
            )
    axis.set_xlabel("wait (trace minutes)")
    axis.set_ylabel("share of pods")
    axis.set_ylim(0, 1.02)
    axis.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return _svg(figure)


# The panels of the schedulers' comparison chart: metric, title.
COMPARED = (
    ("admission_p50", "time to admission p50 (trace s)"),
    ("admission_p95", "time to admission p95 (trace s)"),
    ("gang_wait_p50", "gang wait p50 (trace s)"),
    ("gang_wait_p95", "gang wait p95 (trace s)"),
    ("gpu_occupancy", "GPU occupancy (%)"),
    ("stranded_gpu_hours", "stranded GPUs (GPU-hours)"),
    ("fairness_jain", "quota fairness (Jain's index)"),
    ("jobs_finished", "jobs finished"),
)


def scheduler_comparison(rows: Sequence[dict[str, Any]], title: str) -> str:
    """One bar panel per compared metric, a bar per scheduler (none where the value is None)."""
    schedulers = list(dict.fromkeys(str(row["scheduler"]) for row in rows))
    value = {(row["scheduler"], row["metric"]): row["value"] for row in rows}
    figure, axes = _pyplot().subplots(2, 4, figsize=(14, 6))
    for axis, (metric, label) in zip(axes.flat, COMPARED, strict=True):
        heights = [value.get((scheduler, metric)) for scheduler in schedulers]
        bars = axis.bar(schedulers, [h or 0 for h in heights], color=PREDICTED)
        for bar, height in zip(bars, heights, strict=True):
            text = "n/a" if height is None else f"{height:,.4g}"
            axis.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                          ha="center", va="bottom", fontsize=8)  # fmt: skip
        axis.set_title(label, fontsize=9)
        axis.tick_params(labelsize=8)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return _svg(figure)
