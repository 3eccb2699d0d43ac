"""The fleet's heartbeat as the program sends it: KWOK's Lease flag and node status Stage,
the kind cluster's kube-controller-manager flags, and the warning on an existing cluster."""

from typing import Any

import pulumi
import pytest
import yaml

from lab.mocks import Deploy, Registration, spec_from, stack

CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STAGE = "kwok.x-k8s.io/v1alpha1:Stage"
# The release's node status Stage, in the shape stage-fast.yaml gives it.
RELEASE_STAGE: dict[str, Any] = {
    "apiVersion": "kwok.x-k8s.io/v1alpha1",
    "kind": "Stage",
    "metadata": {"name": "node-heartbeat-with-lease"},
    "spec": {
        "delay": {"durationMilliseconds": 600000, "jitterDurationMilliseconds": 610000},
        "resourceRef": {"apiGroup": "v1", "kind": "Node"},
        "next": {"statusTemplate": "conditions: []"},
    },
}


def big_fleet(nodes: int = 10_000, cluster: dict[str, Any] | None = None, **sections: Any) -> Any:
    return spec_from(
        {
            "cluster": cluster or {"mode": "kind"},
            "pools": {"l4": {"nodes": nodes, "gpusPerNode": 1, "product": "NVIDIA-L4"}},
            "nodeResources": "perPool",
            "operator": {"version": "0.2.0"},
            "demo": {"enabled": False},
            **sections,
        }
    )


def kind_patches(deploy: Deploy, spec: Any) -> list[dict[str, Any]]:
    command = deploy(spec).of_type("command:local:Command")[0]
    config = yaml.safe_load(command.inputs["stdin"])
    return [yaml.safe_load(patch) for patch in config["kubeadmConfigPatches"]]


def stage_as_sent(stages: Registration) -> dict[str, Any] | None:
    (transform,) = stages.transforms
    args = pulumi.ResourceTransformArgs(
        custom=True,
        type_=STAGE,
        name="node-heartbeat-with-lease",
        props=RELEASE_STAGE,
        opts=pulumi.ResourceOptions(),
    )
    result = transform(args)
    if result is None:
        return None
    assert isinstance(result, pulumi.ResourceTransformResult)
    assert isinstance(result.props, dict)
    return result.props


def test_a_big_kind_fleet_gives_kube_controller_manager_its_node_monitor(deploy: Deploy) -> None:
    cgroup, cluster = kind_patches(deploy, big_fleet())
    assert cgroup["kind"] == "KubeletConfiguration"
    assert cluster["kind"] == "ClusterConfiguration"
    assert cluster["apiVersion"] == "kubeadm.k8s.io/v1beta4"
    assert cluster["controllerManager"]["extraArgs"] == [
        {"name": "node-monitor-grace-period", "value": "500s"},
        {"name": "node-monitor-period", "value": "50s"},
    ]
    assert "scheduler" not in cluster


def test_a_fleet_within_the_budget_leaves_the_kind_config_as_it_was(deploy: Deploy) -> None:
    """A changed kind config replaces the cluster: 1,000 nodes keep the one patch."""
    (cgroup,) = kind_patches(deploy, big_fleet(1000))
    assert cgroup["kind"] == "KubeletConfiguration"
    (lesson,) = kind_patches(deploy, stack("lesson1"))
    assert lesson == cgroup


def test_the_scheduler_and_the_controller_manager_share_one_patch(deploy: Deploy) -> None:
    cluster = {"mode": "kind", "scheduler": {"kubeApiQps": 1000}}
    _, patch = kind_patches(deploy, big_fleet(cluster=cluster))
    assert [arg["name"] for arg in patch["scheduler"]["extraArgs"]] == [
        "kube-api-qps",
        "kube-api-burst",
    ]
    assert patch["controllerManager"]["extraArgs"][0] == {
        "name": "node-monitor-grace-period",
        "value": "500s",
    }


def test_an_overridden_grace_period_is_what_kind_gets(deploy: Deploy) -> None:
    spec = big_fleet(heartbeat={"nodeMonitorGracePeriodSeconds": 900})
    _, patch = kind_patches(deploy, spec)
    assert patch["controllerManager"]["extraArgs"] == [
        {"name": "node-monitor-grace-period", "value": "900s"},
        {"name": "node-monitor-period", "value": "50s"},
    ]
    # Pinned to the defaults, a big fleet's cluster needs no patch at all.
    pinned = big_fleet(
        heartbeat={
            "nodeMonitorGracePeriodSeconds": 50,
            "nodeMonitorPeriodSeconds": 5,
            "nodeLeaseDurationSeconds": 40,
        }
    )
    (cgroup,) = kind_patches(deploy, pinned)
    assert cgroup["kind"] == "KubeletConfiguration"


def test_every_kwok_controller_keeps_the_fleets_lease(deploy: Deploy) -> None:
    deployment = deploy(big_fleet())
    shards = [
        d
        for d in deployment.of_type(DEPLOYMENT)
        if d.inputs["metadata"]["namespace"] == "kube-system"
    ]
    assert len(shards) == 9
    for shard in shards:
        (container,) = shard.inputs["spec"]["template"]["spec"]["containers"]
        assert "--node-lease-duration-seconds=400" in container["args"]


def test_the_node_status_stage_follows_the_fleets_period(deploy: Deploy) -> None:
    _, stages = deploy(big_fleet()).of_type(CONFIG_FILE)
    sent = stage_as_sent(stages)
    assert sent is not None
    assert sent["spec"]["delay"] == {
        "durationMilliseconds": 6_000_000,
        "jitterDurationMilliseconds": 6_100_000,
    }
    assert sent["spec"]["next"] == RELEASE_STAGE["spec"]["next"]
    assert sent["metadata"] == RELEASE_STAGE["metadata"]
    _, small = deploy(stack("lesson1")).of_type(CONFIG_FILE)
    assert stage_as_sent(small) is None


def test_an_existing_cluster_is_told_what_its_controller_manager_needs(
    deploy: Deploy, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *_: warnings.append(message))
    existing = {"mode": "existing", "context": "c", "allowFakeNodes": True}
    deploy(big_fleet(cluster=existing))
    (warning,) = warnings
    assert "needs --node-monitor-grace-period=500s --node-monitor-period=50s" in warning
    deploy(big_fleet(5, cluster=existing))
    assert len(warnings) == 1
