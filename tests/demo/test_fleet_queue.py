"""A fleet-sized queue (`demo.queuePercentOfGpus`): its size, and what `fleet expect` says of it."""

from typing import Any

import pytest

from fleet.demo.outcome import REASON_CANNOT_ALLOCATE_CLAIMS, REASON_INSUFFICIENT_GPU
from fleet.demo.plan import plan_demo
from fleet.demo.workloads import DRA_QUEUE, DRA_SMALL, QUEUE, SMALL
from fleet.stack.load import SpecError, parse_fleet
from fleet.stack.spec import FleetSpec


def fleet(nodes: int, gpus_per_node: int = 1, **demo: Any) -> FleetSpec:
    return parse_fleet(
        {
            "cluster": {"mode": "existing", "allowFakeNodes": True},
            "pools": {"l4": {"nodes": nodes, "gpusPerNode": gpus_per_node, "product": "NVIDIA-L4"}},
            "nodeResources": "perPool",
            "gpuOffer": demo.pop("gpuOffer", "devicePlugin"),
            "operator": {"version": "0.2.0"},
            "demo": {"enabled": True, **demo},
        },
        "test",
    )


@pytest.mark.parametrize(
    ("nodes", "gpus_per_node", "percent", "replicas"),
    [(1000, 1, 110, 1100), (10_000, 1, 110, 11_000), (5, 8, 110, 44), (3, 1, 50, 2)],
)
def test_the_queue_is_a_share_of_the_fleets_gpus_rounded_up(
    nodes: int, gpus_per_node: int, percent: int, replicas: int
) -> None:
    spec = fleet(nodes, gpus_per_node, queuePercentOfGpus=percent)
    (queue,) = [w for w in plan_demo(spec).workloads if w.name == QUEUE]
    assert (queue.replicas, queue.gpus) == (replicas, 1)


@pytest.mark.parametrize(
    ("offer", "small", "queue", "reason"),
    [
        ("devicePlugin", SMALL, QUEUE, REASON_INSUFFICIENT_GPU),
        ("dra", DRA_SMALL, DRA_QUEUE, REASON_CANNOT_ALLOCATE_CLAIMS),
    ],
)
def test_expect_predicts_who_runs_and_why_the_rest_wait(
    offer: str, small: str, queue: str, reason: str
) -> None:
    """10,000 one-GPU nodes, 11,000 queued pods: the small pod holds one GPU first."""
    outcome = plan_demo(fleet(10_000, queuePercentOfGpus=110, gpuOffer=offer)).expected
    assert (outcome.workload(small).running, outcome.workload(small).pending) == (1, 0)
    found = outcome.workload(queue)
    assert (found.running, found.pending, found.reasons) == (9_999, 1_001, (reason,))


def test_the_size_is_given_once() -> None:
    with pytest.raises(SpecError, match=r"queueReplicas \(pods\) or queuePercentOfGpus"):
        fleet(5, queuePercentOfGpus=110, queueReplicas=40)


def test_a_queue_beyond_the_limit_is_refused_with_its_size() -> None:
    with pytest.raises(SpecError, match=r"1000% of the fleet's 12,000 GPUs is 120,000 pods"):
        fleet(12_000, queuePercentOfGpus=1000)
