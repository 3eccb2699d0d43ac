"""Why per-pool GPU-hours differ: pinned jobs apart from jobs that accept several pools."""

from fleet.replay.compare import compare, markdown, placement, placement_summary
from fleet.replay.fleet_nodes import GpuNode
from fleet.replay.runs import PodRun
from fleet.trace.model import TraceRow

NODES = [
    GpuNode("kwok-gpu-a-0", "a", "PA", 8),
    GpuNode("kwok-gpu-a-1", "a", "PA", 8),
    GpuNode("kwok-gpu-b-0", "b", "PB", 4),
]
ROWS = [
    TraceRow.model_validate(
        {"arrival_s": 0, "job": "pinned", "gpus_per_pod": 8, "duration_s": 3600, "pool": "a"}
    ),
    TraceRow.model_validate({"arrival_s": 0, "job": "flex", "gpus_per_pod": 4, "duration_s": 1800}),
]
PREDICTED = [
    PodRun("pinned", 0, 8, 0.0, 0.0, 3600.0, "kwok-gpu-a-0", "a"),
    PodRun("flex", 0, 4, 0.0, 0.0, 1800.0, "kwok-gpu-b-0", "b"),
]
# The pinned pod ran 36 s late-ended (1 %); the flexible one went to pool a instead of b.
OBSERVED = [
    PodRun("pinned", 0, 8, 0.0, 10.0, 3646.0, "kwok-gpu-a-0", "a"),
    PodRun("flex", 0, 4, 0.0, 5.0, 1805.0, "kwok-gpu-a-1", "a"),
]
ENDS = (3600.0, 3646.0)


def test_pinned_gpu_hours_are_apart_from_the_pools_flexible_jobs_moved_between() -> None:
    found = placement(ROWS, NODES, PREDICTED, OBSERVED, ENDS)
    assert found.pinned == {"a": (8.0, 8 * 3636 / 3600)}
    assert found.flexible == {"a": (0.0, 2.0), "b": (2.0, 0.0)}
    assert (found.flexible_pods, found.moved_pods) == (1, 1)


def test_a_flexible_pod_where_predicted_is_not_moved() -> None:
    same_pool = [OBSERVED[0], PodRun("flex", 0, 4, 0.0, 5.0, 1805.0, "kwok-gpu-b-0", "b")]
    found = placement(ROWS, NODES, PREDICTED, same_pool, ENDS)
    assert (found.flexible_pods, found.moved_pods) == (1, 0)
    assert found.flexible == {"b": (2.0, 2.0)}


def test_the_report_says_how_many_pods_the_scheduler_put_elsewhere() -> None:
    text = "\n".join(markdown(compare(ROWS, NODES, PREDICTED, OBSERVED, {})))
    assert "one pool only: a 8.0 / 8.1 (+1.0%)" in text
    assert "the scheduler put 1 in another pool than predicted" in text
    assert "a 0.0 / 2.0, b 2.0 / 0.0 (-100.0%)" in text


def test_no_flexible_job_no_placement_sentence() -> None:
    pinned_only = placement(ROWS[:1], NODES, PREDICTED[:1], OBSERVED[:1], ENDS)
    assert placement_summary(pinned_only) == ""


def test_a_pod_still_running_counts_until_the_timelines_end_as_in_its_figures() -> None:
    running = [OBSERVED[0], PodRun("flex", 0, 4, 0.0, 1846.0, None, "kwok-gpu-a-1", "a")]
    found = placement(ROWS, NODES, PREDICTED, running, ENDS)
    assert found.flexible["a"] == (0.0, 4 * (3646 - 1846) / 3600)
    seen = compare(ROWS, NODES, PREDICTED, running, {}).observed
    assert seen.gpu_hours["a"] == found.pinned["a"][1] + found.flexible["a"][1]
