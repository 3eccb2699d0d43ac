"""KAI-Scheduler v0.17.0's topology-aware scheduling on stacks/Pulumi.lesson-topology.yaml
(under `gpu-fleet:scheduler: kai`) and the real engine: the program creates the pool's KAI
Topology; KAI's controllers (built from its source) place the topology demo's gangs, whose
PodGroups name the Topology and level, where `fleet expect` says; destroy leaves nothing
of KAI behind. A control plane of its own."""

from collections.abc import Iterator
from typing import Any

import pytest

from fleet.schedulers.topology_scenarios import TopologyScenario, plan_topology
from fleet.stack.load import load_stack_file
from lab import kube
from tests.e2e.routed import RoutedLab
from tests.e2e.schedulers import SchedulerStack, destroy_leaves_nothing
from tests.e2e.topology import (
    TOPOLOGY_FILE,
    check_topology_scenario,
    topology_stack,
)

pytestmark = pytest.mark.e2e

SCENARIOS = plan_topology(load_stack_file(TOPOLOGY_FILE).model_copy(update={"scheduler": "kai"}))


@pytest.fixture(scope="module")
def kai_topology(routed_lab: RoutedLab) -> Iterator[SchedulerStack]:
    yield from topology_stack("kai", routed_lab)


def test_kai_gets_the_pools_topology(kai_topology: SchedulerStack, routed_api: Any) -> None:
    assert "gb200" in kai_topology.teams_up.names("create")
    topology = kube.custom(routed_api).get_cluster_custom_object(
        "kai.scheduler", "v1alpha1", "topologies", "gb200"
    )
    assert [level["nodeLabel"] for level in topology["spec"]["levels"]] == [
        "cloud.provider.com/topology-block",
        "cloud.provider.com/topology-rack",
        "kubernetes.io/hostname",
    ]


def test_second_up_changes_nothing(kai_topology: SchedulerStack) -> None:
    assert kai_topology.stack.up().changes == []


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_topology_scenario_as_fleet_expect_says(
    kai_topology: SchedulerStack, routed_api: Any, scenario: TopologyScenario
) -> None:
    spec = load_stack_file(kai_topology.stack.stack_file)
    check_topology_scenario(routed_api, spec, scenario, kai_topology.controllers.log_tail)


def test_destroy_leaves_nothing_of_kai(kai_topology: SchedulerStack, routed_api: Any) -> None:
    destroy_leaves_nothing(routed_api, kai_topology.stack)
