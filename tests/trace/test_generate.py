"""Generated traces: seeded, sized from the fleet, and every job able to run somewhere."""

from collections import Counter

import pytest

from fleet.stack.load import load_stack_file
from fleet.stack.spec import FleetSpec
from fleet.trace.generate import SHAPES, Shape, Sizing, generate
from tests.paths import LESSON1_FILE, STACKS_DIR


@pytest.fixture(scope="module")
def lesson1() -> FleetSpec:
    return load_stack_file(LESSON1_FILE)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_shape_is_seeded_sized_and_fits_the_fleet(lesson1: FleetSpec, shape: Shape) -> None:
    sizing = Sizing(jobs=300, span_s=7200, load=0.7, seed=4)
    rows = generate(lesson1, shape, sizing)
    assert rows == generate(lesson1, shape, sizing)
    assert rows != generate(lesson1, shape, Sizing(jobs=300, span_s=7200, load=0.7, seed=5))
    assert len(rows) == 300
    assert len({row.job for row in rows}) == 300
    assert all(0 <= row.arrival_s <= 7200 for row in rows)
    assert [row.arrival_s for row in rows] == sorted(row.arrival_s for row in rows)
    # Durations are scaled so the GPU-seconds asked are the load over the span
    # (within rounding, and the one-second floor).
    asked = sum(row.gpu_seconds for row in rows)
    assert asked == pytest.approx(0.7 * lesson1.total_gpus * 7200, rel=0.02)
    for row in rows:
        gpus_per_node = (
            lesson1.pools[row.pool].gpus_per_node if row.pool else lesson1.largest_pod_gpus
        )
        assert row.gpus_per_pod <= gpus_per_node
    constrained = sum(1 for row in rows if row.pool is not None)
    assert 60 <= constrained <= 140  # about a third


def test_shapes_differ_in_when_jobs_arrive(lesson1: FleetSpec) -> None:
    sizing = Sizing(jobs=400, span_s=10_000, seed=2)

    def busiest_tenth(shape: Shape) -> int:
        counts = [0] * 10
        for row in generate(lesson1, shape, sizing):
            counts[min(int(row.arrival_s / 1000), 9)] += 1
        return max(counts)

    assert busiest_tenth("steady") < 70  # 40 per tenth on average
    assert busiest_tenth("burst") > 100
    # Diurnal: the middle of the span is busier than its ends.
    rows = generate(lesson1, "diurnal", sizing)
    middle = sum(1 for row in rows if 4000 <= row.arrival_s < 6000)
    ends = sum(1 for row in rows if row.arrival_s < 1000 or row.arrival_s >= 9000)
    assert middle > 2 * ends


def test_the_big_job_mix_has_multi_pod_whole_node_jobs(lesson1: FleetSpec) -> None:
    rows = generate(lesson1, "big-job-mix", Sizing(jobs=400, seed=3))
    big = [row for row in rows if row.pods > 1]
    assert big
    assert all(row.gpus_per_pod == lesson1.largest_pod_gpus for row in big)
    assert all(row.pods == 1 for row in generate(lesson1, "steady", Sizing(jobs=400, seed=3)))


def test_a_stack_with_teams_gets_each_job_a_team_drawn_uniformly() -> None:
    kueue = load_stack_file(STACKS_DIR / "Pulumi.lesson1-kueue.yaml")
    rows = generate(kueue, "big-job-mix", Sizing(jobs=600, seed=3))
    per_team = Counter(row.team for row in rows)
    assert set(per_team) == {"research", "prod"}
    assert all(250 <= count <= 350 for count in per_team.values())  # 300 each on average
    assert any(row.pods > 1 for row in rows)  # gangs, whichever team


def test_a_stack_without_teams_gets_jobs_without_one(lesson1: FleetSpec) -> None:
    assert {row.team for row in generate(lesson1, "steady", Sizing(jobs=50))} == {None}
