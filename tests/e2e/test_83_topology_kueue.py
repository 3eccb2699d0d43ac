"""Kueue v0.17.0's Topology Aware Scheduling on stacks/Pulumi.lesson-topology.yaml under the
real engine: the program labels every node with its rack, block and NVLink domain and
creates the pool's Topology and its flavor's `topologyName`; Kueue's manager (built from
its module) admits the topology demo's gangs where `fleet expect` says; destroy leaves
nothing of Kueue behind. A control plane of its own, routed as test_81_kueue.py's."""

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

SCENARIOS = plan_topology(load_stack_file(TOPOLOGY_FILE))


@pytest.fixture(scope="module")
def kueue_topology(routed_lab: RoutedLab) -> Iterator[SchedulerStack]:
    yield from topology_stack("kueue", routed_lab)


def test_the_nodes_carry_their_racks_and_kueue_the_topology(
    kueue_topology: SchedulerStack, routed_api: Any
) -> None:
    assert {"gb200", "train", "train/train"} <= set(kueue_topology.teams_up.names("create"))
    custom = kube.custom(routed_api)
    topology = custom.get_cluster_custom_object("kueue.x-k8s.io", "v1beta2", "topologies", "gb200")
    assert [level["nodeLabel"] for level in topology["spec"]["levels"]] == [
        "cloud.provider.com/topology-block",
        "cloud.provider.com/topology-rack",
        "kubernetes.io/hostname",
    ]
    flavor = custom.get_cluster_custom_object(
        "kueue.x-k8s.io", "v1beta2", "resourceflavors", "gb200"
    )
    assert flavor["spec"]["topologyName"] == "gb200"
    nodes = kube.items(kube.core(routed_api).list_node, label_selector="gpu-pool=gb200")
    racks = {n["metadata"]["labels"]["cloud.provider.com/topology-rack"] for n in nodes}
    cliques = {n["metadata"]["labels"]["nvidia.com/gpu.clique"] for n in nodes}
    assert (len(nodes), len(racks), len(cliques)) == (16, 4, 4)


def test_second_up_changes_nothing(kueue_topology: SchedulerStack) -> None:
    assert kueue_topology.stack.up().changes == []


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_topology_scenario_as_fleet_expect_says(
    kueue_topology: SchedulerStack, routed_api: Any, scenario: TopologyScenario
) -> None:
    spec = load_stack_file(kueue_topology.stack.stack_file)
    check_topology_scenario(routed_api, spec, scenario, kueue_topology.controllers.log_tail)


def test_destroy_leaves_nothing_of_kueue(kueue_topology: SchedulerStack, routed_api: Any) -> None:
    destroy_leaves_nothing(routed_api, kueue_topology.stack)
