"""The comparison's rows (scheduler, metric, value, unit), its tables and its chart."""

import json
import re

from rich.console import Console

from fleet.comparison.metrics import Fairness, SchedulerFigures
from fleet.comparison.rows import (
    METRICS,
    comparison_table,
    markdown_table,
    scheduler_rows,
)
from fleet.report.charts import COMPARED, scheduler_comparison


def figures(gangs: list[float], index: float | None) -> SchedulerFigures:
    return SchedulerFigures(
        jobs=4,
        jobs_finished=3,
        admission_s=[1.0, 2.0, 3.0, 400.0],
        gang_wait_s=gangs,
        occupancy_percent=66.666,
        stranded_gpu_hours=0.2222,
        fairness=Fairness(100.0, {"prod": 0.75, "research": 0.25}, index),
        evicted_pods=2,
    )


def test_rows_carry_every_metric_with_its_unit_in_order_then_each_teams_share() -> None:
    rows = scheduler_rows("kueue", figures([50.0], 0.91234), 321.04)
    assert all(set(row) == {"scheduler", "metric", "value", "unit"} for row in rows)
    assert {row["scheduler"] for row in rows} == {"kueue"}
    assert [(row["metric"], row["unit"]) for row in rows[: len(METRICS)]] == list(METRICS)
    value = {row["metric"]: row["value"] for row in rows}
    assert (value["admission_p50"], value["admission_p95"]) == (2.0, 400.0)
    assert (value["gang_wait_p50"], value["gang_wait_p95"]) == (50.0, 50.0)
    assert (value["gpu_occupancy"], value["stranded_gpu_hours"]) == (66.7, 0.2)
    assert (value["fairness_jain"], value["jobs_finished"], value["wall"]) == (0.912, 3, 321.0)
    assert value["evicted_pods"] == 2
    assert (value["contended_gpu_share_prod"], value["contended_gpu_share_research"]) == (75, 25)
    json.dumps(rows)  # plain values only


def test_a_figure_with_nothing_to_measure_is_none_and_shown_as_a_dash() -> None:
    rows = [
        *scheduler_rows("default", figures([], None), 10.0),
        *scheduler_rows("kai", figures([5.0], 1.0), 12.0),
    ]
    value = {(row["scheduler"], row["metric"]): row["value"] for row in rows}
    assert value[("default", "gang_wait_p95")] is None
    assert value[("default", "fairness_jain")] is None
    lines = markdown_table(rows)
    assert lines[0] == "| metric | unit | default | kai |"
    assert "| gang_wait_p50 | trace s | - | 5.0 |" in lines
    assert "| fairness_jain | index | - | 1.0 |" in lines
    console = Console(width=120, record=True)
    console.print(comparison_table(rows, "two schedulers"))
    text = console.export_text()
    assert "two schedulers" in text
    assert "admission_p95" in text


def test_the_chart_has_a_panel_per_compared_metric() -> None:
    rows = [
        *scheduler_rows("default", figures([], None), 10.0),
        *scheduler_rows("kai", figures([5.0], 1.0), 12.0),
    ]
    svg = scheduler_comparison(rows, "title")
    assert svg.startswith("<svg")
    assert len(re.findall(r'<g id="axes_\d+"', svg)) == len(COMPARED) == 8
