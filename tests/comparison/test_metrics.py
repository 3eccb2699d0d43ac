"""The figures that compare schedulers, on runs small enough to work out by hand."""

import pytest

from fleet.comparison.metrics import (
    admission_waits,
    contended_intervals,
    fairness,
    gang_waits,
    intersect,
    jain,
    percentile,
    scheduler_figures,
)
from fleet.replay.fleet_nodes import GpuNode
from fleet.replay.runs import PodRun
from fleet.trace.model import TraceRow

NODES = [GpuNode("n0", "a", "X", 8), GpuNode("n1", "a", "X", 8)]
QUOTAS = {"prod": 3, "research": 1}


def trace_row(job: str, team: str, pods: int = 1, gpus: int = 1) -> TraceRow:
    return TraceRow(arrival_s=0, job=job, pods=pods, gpus_per_pod=gpus, duration_s=10, team=team)


def ran(job: str, gpus: int, start: float, end: float, node: str, index: int = 0) -> PodRun:
    return PodRun(job, index, gpus, 0.0, start, end, node, "a", 0.0, start)


def contended_runs(prod_gpus: int, research_gpus: int) -> list[PodRun]:
    """Both teams run a pod and have one waiting for 100 s; then the waiting ones run 50 s."""
    return [
        ran("p1", prod_gpus, 0, 100, "n0"),
        ran("r1", research_gpus, 0, 100, "n1"),
        ran("p2", 8, 100, 150, "n0"),
        ran("r2", 8, 100, 150, "n1"),
    ]


ROWS = [
    trace_row("p1", "prod", gpus=6),
    trace_row("r1", "research", gpus=2),
    trace_row("p2", "prod", gpus=8),
    trace_row("r2", "research", gpus=8),
]


def test_percentile_is_the_nearest_rank_and_none_without_values() -> None:
    values = [float(v) for v in range(10, 0, -1)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 100)) == (
        5.0,
        10.0,
        10.0,
    )
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_jains_index_is_one_when_equal_and_one_over_n_when_one_takes_all() -> None:
    assert jain([2.0, 2.0, 2.0]) == pytest.approx(1.0)
    assert jain([1.0, 0.0, 0.0, 0.0]) == pytest.approx(0.25)
    assert jain([]) is None
    assert jain([0.0, 0.0]) is None


def test_a_job_is_admitted_when_its_last_pod_is_bound_and_a_gang_waits_for_its_last_pod() -> None:
    gang = [
        PodRun("g", 0, 8, 10.0, start_s=16.0, end_s=50.0, bound_s=15.0),
        PodRun("g", 1, 8, 10.0, start_s=31.0, end_s=60.0, bound_s=30.0),
    ]
    never = [PodRun("n", 0, 1, 5.0)]
    relisted = [PodRun("s", 0, 1, 10.0, start_s=12.0, end_s=20.0)]  # seen running, not bound
    half = [PodRun("h", 0, 1, 0.0, start_s=1.0, bound_s=1.0), PodRun("h", 1, 1, 0.0)]
    runs = [*gang, *never, *relisted, *half]
    assert sorted(admission_waits(runs)) == [2.0, 20.0]
    assert gang_waits(runs) == [21.0]


def test_fairness_is_one_when_each_team_gets_its_quota_share_while_all_wait() -> None:
    judged = fairness(ROWS, contended_runs(6, 2), QUOTAS, 150.0)
    assert judged.contended_s == 100.0
    assert judged.shares == {"prod": 0.75, "research": 0.25}
    assert judged.index == pytest.approx(1.0)


def test_fairness_falls_when_equal_shares_meet_unequal_quotas() -> None:
    judged = fairness(ROWS, contended_runs(4, 4), QUOTAS, 150.0)
    assert judged.shares == {"prod": 0.5, "research": 0.5}
    # x = 0.5/0.75 and 0.5/0.25: (2.667)^2 / (2 * (0.444 + 4)) = 0.8
    assert judged.index == pytest.approx(0.8)


def test_without_a_time_when_every_team_waits_there_is_no_fairness_figure() -> None:
    alone = [ran("p1", 6, 0, 100, "n0"), ran("p2", 8, 100, 150, "n0")]
    judged = fairness(ROWS, alone, QUOTAS, 150.0)
    assert (judged.contended_s, judged.index) == (0.0, None)


def test_intervals_intersect_as_sorted_disjoint_pieces() -> None:
    assert intersect([(0, 10), (20, 30)], [(5, 25)]) == [(5, 10), (20, 25)]
    assert intersect([(0, 5), (3, 8)], [(1, 2), (7, 9)]) == [(1, 2), (7, 8)]
    assert intersect([(0, 1)], [(1, 2)]) == []


def test_schedulers_are_judged_over_one_window_whatever_each_run_waited() -> None:
    # Every team waits for 100 s in the first run; in the second, research's second pod
    # starts at once, so every team waits for none of it: on its own it has nothing to judge.
    first = contended_runs(6, 2)
    second = [ran("p1", 6, 0, 100, "n0"), ran("r1", 2, 0, 100, "n1"),
              ran("p2", 8, 100, 150, "n0"), ran("r2", 8, 0, 50, "n1", 0)]  # fmt: skip
    assert contended_intervals(ROWS, first, QUOTAS, 150.0) == [(0.0, 100.0)]
    assert contended_intervals(ROWS, second, QUOTAS, 150.0) == []
    window = [(0.0, 50.0)]
    judged = fairness(ROWS, second, QUOTAS, 150.0, window)
    # Over 0-50 s: prod 6 GPUs, research 2 + 8: shares 6/16 and 10/16.
    assert judged.contended_s == 50.0
    assert judged.shares == {"prod": pytest.approx(0.375), "research": pytest.approx(0.625)}
    assert fairness(ROWS, first, QUOTAS, 150.0, window).shares == {"prod": 0.75, "research": 0.25}


def test_occupancy_and_stranded_gpus_over_the_replay() -> None:
    figures = scheduler_figures(ROWS, NODES, contended_runs(6, 2), QUOTAS)
    # 6x100 + 2x100 + 8x50 + 8x50 GPU-seconds of 16 GPUs x 150 s
    assert figures.occupancy_percent == pytest.approx(100 * 1600 / 2400)
    # For 100 s the waiting 8-GPU pods fit on neither node: their 2 + 6 free GPUs are stranded.
    assert figures.stranded_gpu_hours == pytest.approx(8 * 100 / 3600)
    assert (figures.jobs, figures.jobs_finished) == (4, 4)
    assert sorted(figures.admission_s) == [0.0, 0.0, 100.0, 100.0]
    assert figures.gang_wait_s == []


def test_an_evicted_pod_counts_for_gpus_in_use_but_not_for_its_jobs_admission() -> None:
    evicted = PodRun("p1", 0, 6, 0.0, 0.0, 40.0, "n0", "a", 0.0, 0.0, evicted=True)
    runs = [evicted, *contended_runs(6, 2)]
    figures = scheduler_figures(ROWS, NODES, runs, QUOTAS)
    assert figures.evicted_pods == 1
    assert sorted(figures.admission_s) == [0.0, 0.0, 100.0, 100.0]
    # 240 more GPU-seconds in use than without the evicted pod
    assert figures.occupancy_percent == pytest.approx(100 * 1840 / 2400)
