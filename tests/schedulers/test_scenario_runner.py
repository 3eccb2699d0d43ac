"""The scheduler demo's runner: a step that expects jobs to wait passes only on the
scheduler's own decision, and a gang half started at any poll is recorded."""

from collections.abc import Iterator
from typing import Any

from fleet.schedulers.scenarios import ScenarioJob, TeamState
from lab import scenario_runner
from lab.scenario_runner import HalfStarts, Snapshot, partly_bound, settle
from lab.scheduler_decisions import Decisions, owned_pods, quota_not_reserved, unschedulable

GANG = ScenarioJob("research-gang", "research", 2, 8, "a100")
WAITING = (TeamState("research", 0, 16),)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def polls(clock: FakeClock, decided_at: float, partial_until: float = -1.0) -> Iterator[Snapshot]:
    """The gang waits from the start; the scheduler records its decision at `decided_at`."""
    while True:
        undecided = () if clock.now >= decided_at else (GANG.name,)
        partial = (GANG.name,) if clock.now < partial_until else ()
        yield Snapshot(WAITING, undecided, partial)


def test_a_wait_passes_only_once_the_scheduler_has_decided_it() -> None:
    clock = FakeClock()
    seen = polls(clock, decided_at=10.0)
    result = settle(lambda: next(seen), WAITING, HalfStarts(), clock, clock.sleep)
    assert result.undecided == ()
    # Not after 3 s of nothing happening: 3 s after the decision at 10 s.
    assert clock.now >= 10.0 + scenario_runner.STABLE_SECONDS


def test_a_wait_the_scheduler_never_decides_is_reported_after_the_timeout() -> None:
    clock = FakeClock()
    seen = polls(clock, decided_at=float("inf"))
    result = settle(lambda: next(seen), WAITING, HalfStarts(), clock, clock.sleep)
    assert result.undecided == (GANG.name,)
    assert clock.now > scenario_runner.STEP_TIMEOUT


def test_a_gang_partly_bound_for_a_while_mid_step_is_a_half_start() -> None:
    clock = FakeClock()
    half = HalfStarts()
    seen = polls(clock, decided_at=0.0, partial_until=2.5)
    result = settle(lambda: next(seen), WAITING, half, clock, clock.sleep)
    assert result.partial == ()  # the settled state shows nothing
    assert half.seen == [GANG.name]


def test_a_moments_partial_binding_is_not_a_half_start() -> None:
    half = HalfStarts(grace=2.0)
    half.see([GANG.name], 0.0)
    half.see([GANG.name], 1.5)
    half.see([], 2.0)
    half.see([GANG.name], 3.0)
    assert half.seen == []
    half.see([GANG.name], 5.0)
    assert half.seen == [GANG.name]


def pod(bound: bool, terminating: bool = False) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "p", "uid": "u"}
    if terminating:
        metadata["deletionTimestamp"] = "2026-12-07T00:00:00Z"
    return {"metadata": metadata, "spec": {"nodeName": "n0"} if bound else {}}


def test_a_gang_is_partly_bound_with_some_pods_on_nodes_and_none_terminating() -> None:
    assert partly_bound(GANG, [pod(True), pod(False)])
    assert not partly_bound(GANG, [pod(True), pod(True)])
    assert not partly_bound(GANG, [pod(False), pod(False)])
    assert not partly_bound(GANG, [pod(True), pod(False, terminating=True)])  # evicted
    single = ScenarioJob("one", "research", 1, 8, "a100")
    assert not partly_bound(single, [pod(True)])


def test_a_job_whose_pods_the_scheduler_deleted_was_evicted() -> None:
    assert scenario_runner.evicted([])
    assert scenario_runner.evicted([pod(True, terminating=True)])
    assert not scenario_runner.evicted([pod(True, terminating=True), pod(False)])


def test_the_decisions_of_kueue_kai_and_kube_scheduler_are_read_from_their_objects() -> None:
    workload = {
        "metadata": {"ownerReferences": [{"kind": "Pod", "name": "research-gang-0"}]},
        "status": {"conditions": [{"type": "QuotaReserved", "status": "False"}]},
    }
    assert quota_not_reserved(workload)
    assert owned_pods(workload) == {"research-gang-0"}
    admitted = {"status": {"conditions": [{"type": "QuotaReserved", "status": "True"}]}}
    assert not quota_not_reserved(admitted)
    group = {"status": {"schedulingConditions": [{"type": "UnschedulableOnNodePool"}]}}
    assert unschedulable(group)
    assert not unschedulable({"status": {}})
    assert Decisions(unreserved_pods=frozenset({"research-gang-1"})).decided(GANG, [])
    assert Decisions(unschedulable_groups=frozenset({GANG.name})).decided(GANG, [])
    # An event counts for the pod it is about, not an earlier pod of the same name.
    events = Decisions(waited_pod_uids=frozenset({"uid-1"}))
    assert events.decided(GANG, ["uid-1", "uid-2"])
    assert not events.decided(GANG, ["uid-3"])
    assert not Decisions().decided(GANG, ["uid-1"])
