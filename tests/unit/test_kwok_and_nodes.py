"""KWOK's manifests and the fake node pools, as registered with the engine."""

from typing import Any

import pulumi
import pytest

from fleet.stack import versions
from fleet.stack.spec import FleetSpec
from lab.mocks import Deploy, Deployment, Registration, spec_from, stack
from tests.paths import STACK_FILES

NODE = "kubernetes:core/v1:Node"
CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile"


def lesson1_with(**sections: Any) -> FleetSpec:
    config = stack("lesson1").model_dump(by_alias=True, exclude_none=True)
    config.update(sections)
    return spec_from(config)


def test_kwok_applies_the_pinned_release_controller_then_stages(deploy: Deploy) -> None:
    controller, stages = deploy(stack("lesson1")).of_type(CONFIG_FILE)
    base = f"https://github.com/kubernetes-sigs/kwok/releases/download/{versions.KWOK_VERSION}"
    assert controller.inputs["file"] == f"{base}/kwok.yaml"
    assert stages.inputs["file"] == f"{base}/stage-fast.yaml"
    assert controller.urn in stages.dependencies


def test_kwok_manifests_can_be_local_files(deploy: Deploy) -> None:
    files = ["offline/kwok.yaml", "offline/stage-fast.yaml", "offline/extra-stage.yaml"]
    registered = deploy(lesson1_with(kwok={"manifests": files})).of_type(CONFIG_FILE)
    assert [r.inputs["file"] for r in registered] == files
    assert registered[1].urn in registered[2].dependencies


def test_kwok_is_awaited_unless_told_not_to(deploy: Deploy) -> None:
    awaited = deploy(stack("lesson1")).of_type(CONFIG_FILE)
    assert all("skipAwait" not in r.inputs for r in awaited)
    skipped = deploy(lesson1_with(kwok={"wait": False})).of_type(CONFIG_FILE)
    assert [r.inputs["skipAwait"] for r in skipped] == [True, True]


def test_node_status_is_sent_on_create_and_then_left_to_kwok(deploy: Deploy) -> None:
    """Status is create-only; ignoring later changes keeps refresh-then-up a no-op."""
    nodes = deploy(stack("lesson1")).of_type(NODE)
    assert all(node.ignore_changes == ["status"] for node in nodes)
    assert all("allocatable" in node.inputs["status"] for node in nodes)


def test_no_kwok_when_the_cluster_already_runs_it(deploy: Deploy) -> None:
    deployment = deploy(lesson1_with(kwok={"install": False}))
    assert deployment.of_type(CONFIG_FILE) == []
    assert len(deployment.of_type(NODE)) == 5


def test_every_node_waits_for_the_kwok_stages(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1"))
    stages = deployment.of_type(CONFIG_FILE)[-1]
    nodes = deployment.of_type(NODE)
    assert len(nodes) == 5
    assert all(stages.urn in node.dependencies for node in nodes)


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda path: path.stem)
def test_node_count_and_names_follow_the_pools(deploy: Deploy, stack_file: Any) -> None:
    spec = stack(stack_file.stem.removeprefix("Pulumi."))
    nodes = deploy(spec).of_type(NODE)
    expected = {
        f"kwok-gpu-{name}-{i}" for name, pool in spec.pools.items() for i in range(pool.nodes)
    }
    assert {node.name for node in nodes} == expected
    assert len(nodes) == spec.total_nodes


def _node(deployment: Deployment, name: str) -> dict[str, Any]:
    inputs: dict[str, Any] = deployment.named(name).inputs
    return inputs


def test_nodes_are_parented_to_their_pool(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1"))
    pool = deployment.named("l40s")
    assert pool.type == "gpu-fleet:index:GpuNodePool"
    assert sorted(r.name for r in deployment.children_of(pool)) == [
        "kwok-gpu-l40s-0",
        "kwok-gpu-l40s-1",
        "l40s-status",  # the pool's status on its nodes, through the status subresource
    ]


def test_a_node_as_reference_section_1(deploy: Deploy) -> None:
    node = _node(deploy(stack("lesson1")), "kwok-gpu-h100-0")
    metadata = node["metadata"]
    assert metadata["name"] == "kwok-gpu-h100-0"
    assert metadata["annotations"] == {
        "kwok.x-k8s.io/node": "fake",
        "node.alpha.kubernetes.io/ttl": "0",
        "gpu-fleet.dev/template": metadata["annotations"]["gpu-fleet.dev/template"],
    }
    assert metadata["labels"] == {
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/os": "linux",
        "kubernetes.io/hostname": "kwok-gpu-h100-0",
        "node-role.kubernetes.io/gpu-worker": "",
        "type": "kwok",
        "gpu-pool": "h100",
        "run.ai/simulated-gpu-node-pool": "h100",
        "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
        # The stack the mocks run as, and the pool: the node's owner.
        "gpu-fleet.dev/stack": "gpu-fleet.test",
        "gpu-fleet.dev/pool": "h100",
        # Beyond the reference: which KWOK controller manages it (lesson 1 needs one).
        "gpu-fleet.dev/kwok-shard": "0",
    }
    assert node["spec"]["taints"] == [
        {"key": "kwok.x-k8s.io/node", "value": "fake", "effect": "NoSchedule"}
    ]


def test_nodes_are_created_with_cpu_memory_pods_and_no_gpus(deploy: Deploy) -> None:
    """The explicit status avoids the KWOK/operator race; the GPU count is the operator's."""
    deployment = deploy(stack("large-1k"))
    h100 = _node(deployment, "kwok-gpu-h100-199")["status"]
    assert h100["capacity"] == {"cpu": "128", "memory": "1536Gi", "pods": "110"}
    assert h100["allocatable"] == h100["capacity"]
    assert h100["nodeInfo"]["kubeletVersion"] == "fake"
    for node in deployment.of_type(NODE):
        assert "nvidia.com/gpu" not in node.inputs["status"]["capacity"]
        assert "nvidia.com/gpu" not in node.inputs["status"]["allocatable"]


DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def _release_controller() -> pulumi.ResourceTransformArgs:
    """The release's controller Deployment as the engine hands it to a transform."""
    props = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "kwok-controller", "namespace": "kube-system"},
        "spec": {"replicas": 1},
    }
    return pulumi.ResourceTransformArgs(
        custom=True,
        type_=DEPLOYMENT,
        name="kube-system/kwok-controller",
        props=props,
        opts=pulumi.ResourceOptions(),
    )


def _kwok_deployments(deployment: Deployment) -> list[Registration]:
    found = deployment.of_type(DEPLOYMENT)
    return [d for d in found if d.inputs["metadata"]["namespace"] == "kube-system"]


def _transformed(
    transform: pulumi.ResourceTransform, args: pulumi.ResourceTransformArgs
) -> dict[str, Any] | None:
    """What the engine would register instead (None: the resource as it was)."""
    result = transform(args)
    if result is None:
        return None
    assert isinstance(result, pulumi.ResourceTransformResult)
    assert isinstance(result.props, dict)
    return result.props


def test_a_big_fleet_gets_a_kwok_controller_per_shard(deploy: Deploy) -> None:
    config = stack("large-1k").model_dump(by_alias=True, exclude_none=True)
    spec = spec_from({**config, "nodeResources": "perPool", "kwok": {"nodesPerController": 300}})
    deployment = deploy(spec)
    release, stages = deployment.of_type(CONFIG_FILE)
    shards = _kwok_deployments(deployment)
    # Shard 0 is the release's own Deployment, rewritten by the transform.
    assert sorted(s.inputs["metadata"]["name"] for s in shards) == [
        "kwok-controller-1",
        "kwok-controller-2",
        "kwok-controller-3",
    ]
    assert all({release.urn, stages.urn} <= set(s.dependencies) for s in shards)
    (transform,) = release.transforms
    shard_zero = _transformed(transform, _release_controller())
    assert shard_zero is not None
    assert shard_zero["metadata"]["name"] == "kwok-controller-0"
    args = shard_zero["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--manage-nodes-with-label-selector=gpu-fleet.dev/kwok-shard=0" in args
    config_map = _release_controller()
    config_map.props = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kwok"}}
    assert _transformed(transform, config_map) is None


def test_a_small_fleet_has_the_release_controller_alone_as_shard_zero(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1"))
    assert _kwok_deployments(deployment) == []
    release = deployment.of_type(CONFIG_FILE)[0]
    (transform,) = release.transforms
    shard_zero = _transformed(transform, _release_controller())
    assert shard_zero is not None
    assert shard_zero["metadata"]["name"] == "kwok-controller-0"
