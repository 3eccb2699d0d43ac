"""`nodeResources: perPool`: one resource per pool, holding its node names; a capacity
change changes only that pool's resource, and only its node list and count."""

from typing import Any

import pulumi

from components.gpu_fleet import GpuFleet
from fleet.render.nodes import named
from fleet.render.objects import stack_objects
from fleet.stack.spec import FleetSpec
from lab.mocks import (
    FAKE_KUBECONFIG,
    MOCK_OWNER,
    Deploy,
    Deployment,
    install_mocks,
    spec_from,
    stack,
)
from tests.unit.test_capacity_change import by_urn, resized

POOL_NODES = "pulumi-python:dynamic/gpu-fleet:PoolNodes"
# The key Pulumi's wire format marks a secret value with (pulumi.runtime.rpc).
SECRET_MARKER = "4dabf18193072939515e22adb298388d"  # noqa: S105 - not a password
EXISTING = {
    "mode": "existing",
    "kubeconfig": "/etc/rehearsal/kubeconfig",
    "context": "rehearsal",
    "allowFakeNodes": True,
}


def per_pool(name: str, **changes: Any) -> FleetSpec:
    config = stack(name).model_dump(by_alias=True, exclude_none=True)
    return spec_from({**config, "nodeResources": "perPool", **changes})


def pool_resources(deployment: Deployment) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in deployment.of_type(POOL_NODES)}


def test_one_resource_per_pool_and_no_node_resources(deploy: Deploy) -> None:
    deployment = deploy(per_pool("lesson1"))
    assert deployment.of_type("kubernetes:core/v1:Node") == []
    pools = pool_resources(deployment)
    assert sorted(pools) == ["a100-nodes", "h100-nodes", "l40s-nodes"]
    a100 = pools["a100-nodes"]
    assert (a100["poolName"], a100["nodeCount"], a100["owner"]) == ("a100", 2, "gpu-fleet.test")
    # The rendered node itself, as `fleet manifests` builds node 0 (but for its name).
    node_0 = next(n for n in stack_objects(per_pool("lesson1"), MOCK_OWNER) if n["kind"] == "Node")
    assert named(a100["node"], "kwok-gpu-a100-0") == node_0
    assert a100["deleteUnreachable"] is True  # a kind stack, as its kubernetes provider


def test_each_pool_resource_is_a_child_of_its_pool_after_kwok(deploy: Deploy) -> None:
    deployment = deploy(per_pool("lesson1"))
    stages = deployment.named("gpu-fleet-kwok-1")
    for resource in deployment.of_type(POOL_NODES):
        pool = deployment.named(resource.name.removesuffix("-nodes"))
        assert resource.parent == pool.urn
        assert stages.urn in resource.dependencies


def test_the_kind_kubeconfig_is_passed_as_a_secret_and_kept_secret(deploy: Deploy) -> None:
    (resource, *_) = deploy(per_pool("lesson1")).of_type(POOL_NODES)
    assert SECRET_MARKER in resource.inputs["kubeconfig"]
    assert resource.additional_secret_outputs == ["kubeconfig"]


def test_an_existing_cluster_passes_the_providers_kubeconfig_path_and_context(
    deploy: Deploy,
) -> None:
    (resource, *_) = deploy(per_pool("lesson1", cluster=EXISTING)).of_type(POOL_NODES)
    assert resource.inputs["kubeconfig"] == "/etc/rehearsal/kubeconfig"
    assert resource.inputs["context"] == "rehearsal"


def test_growing_a_pool_changes_only_its_node_list_and_count(deploy: Deploy) -> None:
    before = by_urn(deploy(per_pool("lesson1")))
    after = by_urn(deploy(resized(per_pool("lesson1"), "a100", 4)))
    assert before.keys() == after.keys()
    (changed,) = [urn for urn in before if before[urn] != after[urn]]
    assert changed.endswith("::a100-nodes")
    old, new = before[changed], after[changed]
    assert {key for key in old if old[key] != new[key]} == {"nodeCount"}
    assert (old["nodeCount"], new["nodeCount"]) == (2, 4)


def test_a_cpu_change_changes_the_rendered_node_of_that_pool_only(deploy: Deploy) -> None:
    spec = per_pool("lesson1")
    bigger = spec.pools["a100"].model_copy(update={"cpu": 128})
    before = by_urn(deploy(spec))
    after = by_urn(deploy(spec.model_copy(update={"pools": {**spec.pools, "a100": bigger}})))
    (changed,) = [urn for urn in before if before[urn] != after[urn]]
    assert changed.endswith("::a100-nodes")
    assert after[changed]["node"]["status"]["capacity"]["cpu"] == "128"


def test_custom_timeouts_reach_the_provider_in_seconds() -> None:
    """The engine does not hand a dynamic provider its timeouts; the inputs do."""
    deployment = install_mocks()
    timeouts = pulumi.CustomTimeouts(create="2m", update="90s", delete="1h")

    @pulumi.runtime.test
    def program() -> pulumi.Output[str]:
        options = pulumi.ResourceOptions(custom_timeouts=timeouts)
        return GpuFleet("gpu-fleet", per_pool("lesson1"), options).urn

    program()
    (resource, *_) = deployment.of_type(POOL_NODES)
    assert resource.inputs["timeouts"] == {"create": 120, "update": 90, "delete": 3600}


def test_ten_thousand_nodes_are_three_resources(deploy: Deploy) -> None:
    config = stack("large-1k").model_dump(by_alias=True, exclude_none=True)
    config["pools"] = {
        name: {**pool, "nodes": pool["nodes"] * 10} for name, pool in config["pools"].items()
    }
    spec = spec_from({**config, "nodeResources": "perPool"})
    deployment = deploy(spec)
    pools = pool_resources(deployment)
    assert sum(inputs["nodeCount"] for inputs in pools.values()) == 10_000
    # Besides the pools, one KWOK controller Deployment per shard after the first.
    assert spec.kwok_controllers == 10
    assert len(deployment.registrations) < 20 + spec.kwok_controllers


def test_an_inline_kubeconfig_is_a_secret_in_every_input_it_reaches(deploy: Deploy) -> None:
    """Its text holds the cluster's credentials: the provider's and each pool resource's
    inputs carry it as a secret, never as plain text in the state."""
    inline = {**EXISTING, "kubeconfig": FAKE_KUBECONFIG}
    deployment = deploy(per_pool("lesson1", cluster=inline))
    (provider,) = deployment.of_type("pulumi:providers:kubernetes")
    carriers = [provider, *deployment.of_type(POOL_NODES)]
    assert len(carriers) == 4
    for resource in carriers:
        assert SECRET_MARKER in str(resource.inputs["kubeconfig"]), resource.name
        assert "clusters: []" in str(resource.inputs["kubeconfig"])


def test_a_kubeconfig_path_stays_readable_in_the_plan(deploy: Deploy) -> None:
    deployment = deploy(per_pool("lesson1", cluster=EXISTING))
    (provider,) = deployment.of_type("pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == "/etc/rehearsal/kubeconfig"
