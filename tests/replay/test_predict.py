"""The prediction on hand-checked fleets: queue order, no head-of-line blocking, node choice,
and the figures its timeline gives (GPU-hours, waits, stranded GPUs)."""

import random

import pytest

from fleet.replay.fleet_nodes import GpuNode, gpu_nodes
from fleet.replay.forecast import forecast, unschedulable
from fleet.replay.predict import FleetState, Policy, feasible_to_find, predict
from fleet.replay.runs import PodRun
from fleet.replay.timeline import timeline
from fleet.stack.load import parse_fleet
from fleet.trace.model import TraceRow

NODES = [
    GpuNode("kwok-gpu-a-0", "a", "PA", 8),
    GpuNode("kwok-gpu-b-0", "b", "PB", 4),
    GpuNode("kwok-gpu-b-1", "b", "PB", 4),
]


def row(job: str, at: float, gpus: int, duration: float, **more: object) -> TraceRow:
    return TraceRow.model_validate(
        {"arrival_s": at, "job": job, "gpus_per_pod": gpus, "duration_s": duration, **more}
    )


def by_job(runs: list[PodRun]) -> dict[str, PodRun]:
    return {f"{run.job}/{run.index}" if run.index else run.job: run for run in runs}


def test_pods_wait_in_priority_then_arrival_order() -> None:
    rows = [
        row("first", 0, 8, 100, pool="a"),
        row("second", 10, 8, 50, pool="a"),
        row("urgent", 40, 8, 10, pool="a", priority=10),
        row("small", 20, 2, 5, products=["PA"]),
        row("anywhere", 30, 4, 60),
    ]
    runs = by_job(predict(rows, NODES))
    assert runs["first"].start_s == 0
    assert runs["first"].node == "kwok-gpu-a-0"
    assert runs["urgent"].start_s == 100  # ahead of `second`, which came earlier
    assert runs["second"].start_s == 110
    assert runs["second"].wait_s == 100
    assert runs["small"].start_s == 160
    assert runs["anywhere"].start_s == 30
    assert runs["anywhere"].pool == "b"


def test_a_pod_that_fits_goes_ahead_of_one_that_does_not() -> None:
    rows = [
        row("full", 0, 4, 100, pool="b"),
        row("most", 0, 3, 100, pool="b"),
        row("blocked", 1, 4, 10, pool="b"),
        row("fits", 2, 1, 10, pool="b"),
    ]
    runs = by_job(predict(rows, NODES, "pack"))
    assert runs["fits"].start_s == 2
    assert runs["blocked"].start_s == 100


@pytest.mark.parametrize(
    ("policy", "big_start"), [("pack", 2.0), ("spread", 100.0), ("scheduler", 2.0)]
)
def test_node_choice_decides_whether_small_pods_strand_gpus(
    policy: Policy, big_start: float
) -> None:
    """Two one-GPU pods then a four-GPU pod on two 4-GPU nodes: packing keeps a node whole,
    spreading splits both; the scheduler's first-found node (b-0 both times, its search
    starting where the last stopped, at the first node again on a fleet this small)
    happens to pack."""
    rows = [
        row("one", 0, 1, 100, pool="b"),
        row("two", 1, 1, 100, pool="b"),
        row("four", 2, 4, 10, pool="b"),
    ]
    runs = predict(rows, NODES, policy, seed=3)
    assert by_job(runs)["four"].start_s == big_start
    figures = timeline(rows, NODES, runs)
    stranded = figures.stranded["b"].at(50)
    assert stranded == (0 if big_start == 2.0 else 6)  # 3 + 3 free GPUs no waiting pod fits
    assert figures.gpu_hours == {"a": 0.0, "b": pytest.approx((100 + 100 + 40) / 3600)}
    assert figures.jobs_finished == 3
    assert figures.pods == 3


def test_timeline_counts_gpus_in_use_queue_and_waits() -> None:
    rows = [row("train", 0, 4, 100, pods=3), row("late", 5, 8, 20, pool="a")]
    runs = predict(rows, NODES, "pack")
    figures = timeline(rows, NODES, runs)
    # Three 4-GPU pods: two on b's nodes, one on a's node (pack: a's 8 free are not
    # fewer than b's 4, so b first); `late` needs all of a and waits for the third pod.
    assert figures.gpus_in_use["b"].at(50) == 8
    assert figures.gpus_in_use["a"].at(50) == 4
    assert figures.queue.at(50) == 1
    assert figures.queue.at(101) == 0
    assert figures.waits_s == [0, 0, 0, 95]
    assert figures.mean_wait_s == pytest.approx(95 / 4)
    assert figures.max_queue == 1
    assert figures.end_s == 120


def test_forecast_bounds_bracket_the_central_run_and_flag_unschedulable_jobs() -> None:
    spec = parse_fleet(
        {
            "cluster": {"mode": "kind"},
            "pools": {
                "a": {"nodes": 4, "gpusPerNode": 8, "product": "NVIDIA-H200"},
                "b": {"nodes": 4, "gpusPerNode": 4, "product": "NVIDIA-L4"},
            },
        },
        "test",
    )
    nodes = gpu_nodes(spec)
    rows = [row(f"j{i}", i * 10, [1, 2, 4, 8][i % 4], 300 + 7 * i) for i in range(60)]
    prediction = forecast(rows, nodes)
    bounds = prediction.bounds_table()
    names = {f"{policy}-{seed}" for policy in ("scheduler", "random") for seed in range(3)}
    names |= {"pack", "spread"}
    assert set(prediction.timelines) == names
    central = prediction.timeline
    for pool in ("a", "b"):
        low, high = bounds[f"gpu_hours:{pool}"]
        assert low <= central.gpu_hours[pool] <= high
    total = sum(r.gpu_seconds for r in rows) / 3600
    for run in prediction.timelines.values():
        assert sum(run.gpu_hours.values()) == pytest.approx(total)  # placement moves hours only
    assert bounds["mean_wait_s"][0] <= central.mean_wait_s <= bounds["mean_wait_s"][1]
    too_big = [row("huge", 0, 16, 10), row("nowhere", 0, 1, 10, pool="c")]
    assert unschedulable([*rows, *too_big], nodes) == too_big


@pytest.mark.parametrize(
    ("nodes", "to_find"), [(5, 5), (99, 99), (100, 100), (1200, 492), (5000, 500), (12_000, 600)]
)
def test_the_scheduler_looks_for_as_many_feasible_nodes_as_kube_scheduler(
    nodes: int, to_find: int
) -> None:
    assert feasible_to_find(nodes) == to_find


def test_the_scheduler_policy_takes_the_first_node_found_from_where_the_last_search_stopped() -> (
    None
):
    """150 one-GPU nodes (in their own order here): a search stops after 100 feasible nodes,
    so each pod lands where the last search stopped, round the fleet, skipping taken nodes."""
    nodes = [GpuNode(f"kwok-gpu-p-{i}", "p", "P", 1) for i in range(150)]
    fleet = FleetState(nodes, random.Random(0))  # noqa: S311 - a seeded model
    fleet.order = list(range(150))
    chosen = []
    for _ in range(4):
        number = fleet.choose((("p", "devicePlugin"),), 1, "scheduler")
        assert number is not None
        fleet.change(number, -1)
        chosen.append(number)
    assert chosen == [
        0,  # the search checks p-0 to p-99
        100,  # p-100 to p-149, then p-1 to p-50 (p-0 is taken)
        51,  # p-51 to p-149 but p-100, then p-1 and p-2
        3,
    ]
