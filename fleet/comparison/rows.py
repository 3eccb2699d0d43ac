"""The comparison as rows (`scheduler`, `metric`, `value`, `unit`), and as a table.

`benchmarks/results/schedulers.json` is a list of such rows; a value is None where a
figure has nothing to measure (no gang ran, no time was contended).
"""

from collections.abc import Sequence
from typing import Any

from rich.table import Table

from fleet.comparison.metrics import SchedulerFigures, percentile

Row = dict[str, Any]

# The figures every scheduler gets, in the table's order: metric, unit.
METRICS = (
    ("admission_p50", "trace s"),
    ("admission_p95", "trace s"),
    ("gpu_occupancy", "%"),
    ("stranded_gpu_hours", "GPU-hours"),
    ("gang_wait_p50", "trace s"),
    ("gang_wait_p95", "trace s"),
    ("fairness_jain", "index"),
    ("contended", "trace s"),
    ("evicted_pods", "pods"),
    ("jobs_finished", "jobs"),
    ("wall", "s"),
)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def scheduler_rows(scheduler: str, figures: SchedulerFigures, wall_s: float) -> list[Row]:
    """One scheduler's figures as rows, in `METRICS` order, then each team's contended share."""
    values = {
        "admission_p50": _rounded(percentile(figures.admission_s, 50), 1),
        "admission_p95": _rounded(percentile(figures.admission_s, 95), 1),
        "gpu_occupancy": round(figures.occupancy_percent, 1),
        "stranded_gpu_hours": round(figures.stranded_gpu_hours, 1),
        "gang_wait_p50": _rounded(percentile(figures.gang_wait_s, 50), 1),
        "gang_wait_p95": _rounded(percentile(figures.gang_wait_s, 95), 1),
        "fairness_jain": _rounded(figures.fairness.index, 3),
        "contended": round(figures.fairness.contended_s, 1),
        "evicted_pods": figures.evicted_pods,
        "jobs_finished": figures.jobs_finished,
        "wall": round(wall_s, 1),
    }
    rows = [row(scheduler, metric, values[metric], unit) for metric, unit in METRICS]
    rows += [
        row(scheduler, f"contended_gpu_share_{team}", round(100 * share, 1), "%")
        for team, share in figures.fairness.shares.items()
    ]
    return rows


def row(scheduler: str, metric: str, value: Any, unit: str) -> Row:
    return {"scheduler": scheduler, "metric": metric, "value": value, "unit": unit}


def _cell(value: Any) -> str:
    """A value as its row holds it (already rounded), with thousands separated."""
    return "-" if value is None else f"{value:,}"


def _grid(rows: Sequence[Row]) -> tuple[list[str], list[tuple[str, str, list[str]]]]:
    """The schedulers (in the order the rows name them), and per metric its unit and cells."""
    schedulers = list(dict.fromkeys(r["scheduler"] for r in rows))
    metrics = list(dict.fromkeys((r["metric"], r["unit"]) for r in rows))
    value = {(r["scheduler"], r["metric"]): r["value"] for r in rows}
    lines = [
        (metric, unit, [_cell(value.get((scheduler, metric))) for scheduler in schedulers])
        for metric, unit in metrics
    ]
    return schedulers, lines


def comparison_table(rows: Sequence[Row], title: str) -> Table:
    """Metrics down, schedulers across."""
    schedulers, lines = _grid(rows)
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("unit")
    for scheduler in schedulers:
        table.add_column(scheduler, justify="right")
    for metric, unit, cells in lines:
        table.add_row(metric, unit, *cells)
    return table


def markdown_table(rows: Sequence[Row]) -> list[str]:
    """The same table in Markdown, for benchmarks/results/schedulers.md."""
    schedulers, lines = _grid(rows)
    head = [
        f"| metric | unit | {' | '.join(schedulers)} |",
        f"|---|---|{'---:|' * len(schedulers)}",
    ]
    return head + [f"| {metric} | {unit} | {' | '.join(cells)} |" for metric, unit, cells in lines]
