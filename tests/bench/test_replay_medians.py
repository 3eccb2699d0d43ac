"""`make bench-replay` sums up its runs: per metric (and pool, role) the median, the lowest
and highest, and the spread; flags and paths are not averaged."""

from benchmarks.replay import medians, row


def test_the_median_of_three_runs_with_its_spread_per_metric_and_pool() -> None:
    runs = [
        [row("wall_s", value, "s"), row("gpu_hours_observed", hours, "GPU-hours", pool="a"),
         row("faithful", True, "bool"), row("report_html", "x.html", "path")]
        for value, hours in ((400.0, 100.0), (500.0, 102.0), (450.0, 101.0))
    ]  # fmt: skip
    table = {(item["metric"], item.get("pool")): item for item in medians(runs)}
    assert set(table) == {("wall_s", None), ("gpu_hours_observed", "a")}
    wall = table[("wall_s", None)]
    assert (wall["value"], wall["low"], wall["high"], wall["runs"]) == (450.0, 400.0, 500.0, 3)
    assert wall["spread"] == round(100 / 450, 4)
    assert table[("gpu_hours_observed", "a")]["spread"] == round(2 / 101, 4)
