"""KWOK shards: disjoint, covering, balanced, and stable when the fleet grows."""

from collections import Counter
from typing import Any

import pytest
import yaml

from fleet.render.kwok import controller_deployments, release_object
from fleet.render.nodes import fleet_nodes
from fleet.render.shards import SHARD_LABEL, shard_of
from fleet.stack.load import SpecError, parse_fleet
from fleet.stack.owner import StackOwner
from fleet.stack.spec import FleetSpec, node_name

NAMES = [node_name("a100", index) for index in range(10_000)]


def fleet(nodes: int, **kwok: Any) -> FleetSpec:
    pools = {"a100": {"nodes": nodes, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"}}
    config = {
        "cluster": {"mode": "kind"},
        "pools": pools,
        "nodeResources": "perPool",
        "operator": {"version": "0.2.0"},
    }
    return parse_fleet({**config, "kwok": kwok} if kwok else config, "test")


@pytest.mark.parametrize(("nodes", "controllers"), [(5, 1), (1000, 1), (1001, 2), (10_000, 10)])
def test_a_controller_per_thousand_nodes_by_default(nodes: int, controllers: int) -> None:
    assert fleet(nodes).kwok_controllers == controllers


def test_nodes_per_controller_is_a_stack_setting() -> None:
    assert fleet(10_000, nodesPerController=2500).kwok_controllers == 4


def test_shards_are_balanced_within_a_tenth() -> None:
    sizes = Counter(shard_of(name, 10) for name in NAMES)
    assert sorted(sizes) == list(range(10))
    assert max(sizes.values()) < 1100
    assert min(sizes.values()) > 900


def test_a_new_shard_takes_only_its_own_nodes_from_the_others() -> None:
    before = {name: shard_of(name, 9) for name in NAMES}
    after = {name: shard_of(name, 10) for name in NAMES}
    moved = [name for name in NAMES if before[name] != after[name]]
    assert all(after[name] == 9 for name in moved)
    assert 800 < len(moved) < 1200  # about a tenth


def test_every_node_carries_its_shard_and_each_controller_selects_one_shard() -> None:
    spec = fleet(2500)
    nodes = list(fleet_nodes(spec, StackOwner("gpu-fleet", "shards")))
    labels = Counter(node["metadata"]["labels"][SHARD_LABEL] for node in nodes)
    assert sorted(labels) == ["0", "1", "2"]
    selectors = []
    for shard, deployment in enumerate(controller_deployments(spec)):
        assert deployment["metadata"]["name"] == f"kwok-controller-{shard}"
        assert deployment["metadata"]["namespace"] == "kube-system"
        template = deployment["spec"]["template"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= (
            template["metadata"]["labels"].items()
        )
        (container,) = template["spec"]["containers"]
        assert container["image"] == "registry.k8s.io/kwok/kwok:v0.7.0"
        selectors += [a for a in container["args"] if "label-selector" in a]
        # 2,500 nodes at the default budget: heartbeats stretched five times.
        assert "--node-lease-duration-seconds=200" in container["args"]
        assert "--manage-all-nodes=false" in container["args"]
    assert selectors == [f"--manage-nodes-with-label-selector={SHARD_LABEL}={s}" for s in range(3)]


def test_lease_duration_is_a_heartbeat_setting() -> None:
    spec = parse_fleet(
        {**fleet(5).model_dump(by_alias=True), "heartbeat": {"nodeLeaseDurationSeconds": 120}},
        "test",
    )
    (deployment,) = controller_deployments(spec)
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--node-lease-duration-seconds=120" in args


def test_the_release_controller_becomes_shard_zero_and_nothing_else_changes() -> None:
    spec = fleet(2500)
    release = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "kwok-controller", "namespace": "kube-system"},
        "spec": {"template": {"spec": {"containers": [{"args": ["--config=x"]}]}}},
    }
    assert release_object(spec, release) == controller_deployments(spec)[0]
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kwok"}}
    assert release_object(spec, config_map) is None
    other = {**release, "metadata": {"name": "other", "namespace": "kube-system"}}
    assert release_object(spec, other) is None


def test_an_unawaited_kwok_marks_its_controllers_so() -> None:
    (deployment,) = controller_deployments(fleet(5, wait=False))
    assert deployment["metadata"]["annotations"] == {"pulumi.com/skipAwait": "true"}
    (awaited,) = controller_deployments(fleet(5))
    assert "annotations" not in awaited["metadata"]


def test_the_lease_setting_of_kwok_names_where_it_moved() -> None:
    with pytest.raises(SpecError) as refused:
        fleet(5, nodeLeaseDurationSeconds=120)
    message = str(refused.value)
    assert "gpu-fleet:kwok.nodeLeaseDurationSeconds: moved" in message
    assert "set gpu-fleet:heartbeat.nodeLeaseDurationSeconds instead" in message


# The shape of the release's ConfigMap: one KwokConfiguration in a YAML string.
RELEASE_CONFIG_MAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "kwok", "namespace": "kube-system"},
    "data": {
        "kwok.yaml": "apiVersion: config.kwok.x-k8s.io/v1alpha1\n"
        "kind: KwokConfiguration\n"
        "options:\n"
        "  nodeLeaseParallelism: 4\n"
        "  nodeLeaseDurationSeconds: 40\n"
    },
}


def test_the_release_configuration_is_kept_at_the_release_lease_parallelism() -> None:
    spec = fleet(2500)
    assert release_object(spec, RELEASE_CONFIG_MAP) is None
    pod = controller_deployments(spec)[0]["spec"]["template"]["metadata"]
    assert "annotations" not in pod


def test_lease_parallelism_goes_into_the_configuration_and_restarts_every_controller() -> None:
    spec = fleet(2500, nodeLeaseParallelism=16)
    changed = release_object(spec, RELEASE_CONFIG_MAP)
    assert changed is not None
    (document,) = yaml.safe_load_all(changed["data"]["kwok.yaml"])
    assert document["options"] == {"nodeLeaseParallelism": 16, "nodeLeaseDurationSeconds": 40}
    assert changed["metadata"] == RELEASE_CONFIG_MAP["metadata"]
    for deployment in controller_deployments(spec):
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations == {"gpu-fleet.dev/kwok-node-lease-parallelism": "16"}


def _controller_flags(spec: FleetSpec) -> list[list[str]]:
    return [
        deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        for deployment in controller_deployments(spec)
    ]


def test_controllers_log_at_the_release_level_unless_the_stack_says_otherwise() -> None:
    assert all(
        not any(flag.startswith("--v=") for flag in flags)
        for flags in _controller_flags(fleet(2500))
    )
    quiet = _controller_flags(fleet(2500, logLevel="WARN"))
    assert len(quiet) == 3
    assert all(flags.count("--v=WARN") == 1 for flags in quiet)


def test_a_log_level_kwok_does_not_know_is_refused_with_the_ones_it_does() -> None:
    with pytest.raises(SpecError) as refused:
        fleet(5, logLevel="verbose")
    message = str(refused.value)
    assert "kwok.logLevel" in message
    assert "'DEBUG', 'INFO', 'WARN' or 'ERROR' (got 'verbose')" in message
