"""The expected-outcome model against hand-worked fleets."""

from fleet.demo.outcome import (
    REASON_INSUFFICIENT_GPU,
    REASON_NODE_SELECTOR,
    REASON_TOO_MANY_PODS,
    FleetOutcome,
)
from fleet.demo.plan import plan_demo
from fleet.demo.workloads import MISSING, OVERSIZED, QUEUE, SMALL
from fleet.stack.load import load_stack_file, parse_fleet
from fleet.stack.spec import FleetSpec
from tests.demo.fleets import MakeFleet, beyond_the_spec, pool
from tests.paths import STACKS_DIR


def _rows(outcome: FleetOutcome) -> dict[str, tuple[int, int, tuple[str, ...]]]:
    return {w.name: (w.running, w.pending, w.reasons) for w in outcome.workloads}


def test_lesson1_is_the_published_run(lesson1: FleetSpec) -> None:
    outcome = plan_demo(lesson1).expected
    assert _rows(outcome) == {
        SMALL: (1, 0, ()),
        OVERSIZED: (0, 1, (REASON_INSUFFICIENT_GPU,)),
        MISSING: (0, 1, (REASON_NODE_SELECTOR,)),
        QUEUE: (31, 9, (REASON_INSUFFICIENT_GPU,)),
    }
    assert [w.kind for w in outcome.workloads] == ["Pod", "Pod", "Pod", "Deployment"]
    assert (outcome.running, outcome.pending) == (32, 11)
    assert outcome.caveats == ()


def test_oversized_pod_that_fits_takes_a_whole_node(lesson1_with: MakeFleet) -> None:
    """8 GPUs fit on one a100/h100 node: 32 - 1 - 8 = 23 GPUs left for 40 replicas."""
    outcome = plan_demo(beyond_the_spec(lesson1_with(), oversizedGpus=8)).expected
    assert _rows(outcome) == {
        SMALL: (1, 0, ()),
        OVERSIZED: (1, 0, ()),
        MISSING: (0, 1, (REASON_NODE_SELECTOR,)),
        QUEUE: (23, 17, (REASON_INSUFFICIENT_GPU,)),
    }
    assert (outcome.running, outcome.pending) == (25, 18)


def test_oversized_pod_cannot_use_the_node_holding_the_small_pod(make_fleet: MakeFleet) -> None:
    """One 8-GPU node: the small pod takes a GPU first, so 8 no longer fit."""
    outcome = plan_demo(beyond_the_spec(make_fleet({"a100": pool(1, 8)}), oversizedGpus=8)).expected
    assert outcome.workload(OVERSIZED).pending == 1
    assert outcome.workload(OVERSIZED).reasons == (REASON_INSUFFICIENT_GPU,)
    assert (outcome.workload(QUEUE).running, outcome.workload(QUEUE).pending) == (7, 9)


def test_pod_slots_limit_before_gpus(make_fleet: MakeFleet) -> None:
    """pods: 4 on kind leaves 2 slots per node (kube-proxy and kindnet take 2)."""
    outcome = plan_demo(make_fleet({"a100": pool(2, 8, pods=4)})).expected
    assert _rows(outcome) == {
        SMALL: (1, 0, ()),
        OVERSIZED: (0, 1, (REASON_TOO_MANY_PODS, REASON_INSUFFICIENT_GPU)),
        MISSING: (0, 1, (REASON_NODE_SELECTOR,)),
        QUEUE: (3, 21, (REASON_TOO_MANY_PODS,)),
    }


def test_existing_cluster_reserves_no_slots_and_says_so(make_fleet: MakeFleet) -> None:
    outcome = plan_demo(make_fleet({"a100": pool(2, 8, pods=4)}, mode="existing")).expected
    assert outcome.workload(QUEUE).running == 7  # 3 + 4 slots
    assert any("existing cluster" in caveat for caveat in outcome.caveats)


def test_mixed_limits_report_both_reasons(make_fleet: MakeFleet) -> None:
    outcome = plan_demo(make_fleet({"dense": pool(1, 8, pods=5), "wide": pool(1, 4)})).expected
    # dense: 3 slots (the small pod takes one, 2 queue pods fill it); wide: 4 GPUs.
    assert _rows(outcome)[QUEUE] == (6, 14, (REASON_TOO_MANY_PODS, REASON_INSUFFICIENT_GPU))


def test_queue_overrides(lesson1_with: MakeFleet) -> None:
    assert _rows(plan_demo(lesson1_with(queueReplicas=5)).expected)[QUEUE] == (5, 0, ())
    empty = beyond_the_spec(lesson1_with(), queueReplicas=0)
    assert _rows(plan_demo(empty).expected)[QUEUE] == (0, 0, ())
    assert _rows(plan_demo(lesson1_with(queueReplicas=31)).expected)[QUEUE] == (31, 0, ())
    full = _rows(plan_demo(lesson1_with(queueReplicas=32)).expected)[QUEUE]
    assert full == (31, 1, (REASON_INSUFFICIENT_GPU,))


def test_small_pod_on_another_pool(lesson1_with: MakeFleet) -> None:
    outcome = plan_demo(lesson1_with(smallPool="l40s")).expected
    assert outcome.workload(SMALL).running == 1
    assert outcome.workload(QUEUE).running == 31


def test_single_pool_fleet(make_fleet: MakeFleet) -> None:
    outcome = plan_demo(make_fleet({"h100": pool(3, 8)})).expected
    assert _rows(outcome)[QUEUE] == (23, 9, (REASON_INSUFFICIENT_GPU,))
    assert (outcome.running, outcome.pending) == (24, 11)


def test_caveat_when_the_oversized_pods_node_changes_the_queue(make_fleet: MakeFleet) -> None:
    """`tight` has 2 slots, `roomy` 108: an 8-GPU pod costs the queue 1 or 8 places."""
    pools = {"tight": pool(1, 16, pods=4), "roomy": pool(1, 16)}
    spec = beyond_the_spec(make_fleet(pools), oversizedGpus=8)
    outcome = plan_demo(spec).expected
    assert outcome.workload(OVERSIZED).running == 1
    assert outcome.workload(QUEUE).running == 16  # the model's first fit: `tight`
    assert [c for c in outcome.caveats if OVERSIZED in c]


def test_no_placement_caveat_when_every_node_is_alike(lesson1_with: MakeFleet) -> None:
    assert plan_demo(beyond_the_spec(lesson1_with(), oversizedGpus=8)).expected.caveats == ()


def test_disabled_demo_and_missing_installs_are_caveats() -> None:
    medium = plan_demo(load_stack_file(STACKS_DIR / "Pulumi.medium.yaml")).expected
    assert any("demo is disabled" in caveat for caveat in medium.caveats)
    assert (medium.running, medium.pending) == (1024, 11)


def test_operator_not_installed_is_a_caveat() -> None:
    config = {
        "cluster": {"mode": "kind"},
        "pools": {"a100": pool(1, 8)},
        "operator": {"install": False},
        "kwok": {"install": False},
        "demo": {"enabled": True},
    }
    caveats = plan_demo(parse_fleet(config, "test")).expected.caveats
    assert any("fake-gpu-operator" in caveat for caveat in caveats)
    assert any("KWOK" in caveat for caveat in caveats)
