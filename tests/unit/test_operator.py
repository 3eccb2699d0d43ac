"""The fake-gpu-operator Helm release: chart source, values from the pools, ordering."""

from typing import Any

import pytest

from fleet.stack import versions
from lab.mocks import Deploy, Deployment, spec_from, stack

RELEASE = "kubernetes:helm.sh/v3:Release"
POOLS = {"a100": {"nodes": 2, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"}}
KIND = {"mode": "kind", "name": "lab"}


def release(deployment: Deployment) -> dict[str, Any]:
    (registered,) = deployment.of_type(RELEASE)
    inputs: dict[str, Any] = registered.inputs
    return inputs


def test_lesson1_release_is_the_pinned_chart_from_the_helm_repository(deploy: Deploy) -> None:
    inputs = release(deploy(stack("lesson1")))
    assert inputs["chart"] == "fake-gpu-operator"
    assert inputs["version"] == "0.0.59"
    assert inputs["repositoryOpts"] == {"repo": versions.OPERATOR_HELM_REPOSITORY}
    assert (inputs["name"], inputs["namespace"]) == ("gpu-operator", "gpu-operator")
    assert inputs["createNamespace"] is False


def test_the_release_namespace_is_a_resource_the_release_follows(deploy: Deploy) -> None:
    """Deleting the namespace on destroy removes what the operator made outside its release."""
    deployment = deploy(stack("lesson1"))
    namespace = deployment.named("gpu-operator")
    assert namespace.type == "kubernetes:core/v1:Namespace"
    assert namespace.inputs["metadata"] == {"name": "gpu-operator"}
    (registered,) = deployment.of_type(RELEASE)
    assert namespace.urn in registered.dependencies


def test_newer_charts_come_from_oci_without_a_repository(deploy: Deploy) -> None:
    inputs = release(deploy(stack("medium")))
    assert inputs["chart"] == versions.OPERATOR_OCI_CHART
    assert inputs["version"] == "0.2.0"
    assert "repositoryOpts" not in inputs


def test_a_local_chart_directory(deploy: Deploy) -> None:
    spec = spec_from(
        {"cluster": KIND, "pools": POOLS, "operator": {"chart": "./offline/fake-gpu-operator"}}
    )
    inputs = release(deploy(spec))
    assert inputs["chart"] == "./offline/fake-gpu-operator"
    assert "repositoryOpts" not in inputs


def test_topology_values_are_derived_from_the_pools(deploy: Deploy) -> None:
    values = release(deploy(stack("lesson1")))["values"]
    topology = values["topology"]
    assert topology["nodePoolLabelKey"] == "run.ai/simulated-gpu-node-pool"
    assert topology["nodePools"] == {
        "a100": {"gpuCount": 8, "gpuProduct": "NVIDIA-A100-SXM4-80GB", "gpuMemory": 81920},
        "h100": {"gpuCount": 8, "gpuProduct": "NVIDIA-H100-80GB-HBM3", "gpuMemory": 81920},
        "l40s": {"gpuCount": 4, "gpuProduct": "NVIDIA-L40S", "gpuMemory": 46068},
    }


def test_extra_values_cannot_override_the_derived_topology(deploy: Deploy) -> None:
    extra = {"topology": {"nodePools": {"bogus": {"gpuCount": 1}}}, "environment": {"x": 1}}
    spec = spec_from({"cluster": KIND, "pools": POOLS, "operator": {"values": extra}})
    values = release(deploy(spec))["values"]
    assert values["environment"] == {"x": 1}
    assert values["topology"]["nodePools"] == {
        "a100": {"gpuCount": 8, "gpuProduct": "NVIDIA-A100-SXM4-80GB", "gpuMemory": 81920}
    }


def test_images_are_pulled_only_when_missing_from_the_node(deploy: Deploy) -> None:
    values = release(deploy(stack("lesson1")))["values"]
    for component in ("statusUpdater", "topologyServer", "kwokGpuDevicePlugin", "kwokDraPlugin"):
        assert values[component]["image"] == {"pullPolicy": "IfNotPresent"}


def test_extra_values_can_set_another_pull_policy(deploy: Deploy) -> None:
    extra = {"statusUpdater": {"image": {"pullPolicy": "Always", "tag": "dev"}}}
    spec = spec_from({"cluster": KIND, "pools": POOLS, "operator": {"values": extra}})
    values = release(deploy(spec))["values"]
    assert values["statusUpdater"]["image"] == {"pullPolicy": "Always", "tag": "dev"}
    assert values["topologyServer"]["image"] == {"pullPolicy": "IfNotPresent"}


@pytest.mark.parametrize(("wait", "hooks"), [(True, True), (False, False)])
def test_wait_and_hooks_switches(deploy: Deploy, wait: bool, hooks: bool) -> None:
    spec = spec_from({"cluster": KIND, "pools": POOLS, "operator": {"wait": wait, "hooks": hooks}})
    inputs = release(deploy(spec))
    assert inputs.get("skipAwait", False) is (not wait)
    assert inputs.get("disableWebhooks", False) is (not hooks)


def test_the_operator_comes_after_every_node(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1"))
    (registered,) = deployment.of_type(RELEASE)
    nodes = deployment.of_type("kubernetes:core/v1:Node")
    assert all(node.urn in registered.dependencies for node in nodes)


def test_no_release_when_the_operator_is_not_installed(deploy: Deploy) -> None:
    spec = spec_from({"cluster": KIND, "pools": POOLS, "operator": {"install": False}})
    assert deploy(spec).of_type(RELEASE) == []
