"""KWOK installed by the program's `Kwok` component, on a control plane with no KWOK of its own.

The release manifests (`kwok.yaml`, `stage-fast.yaml`), rendered from KWOK's source as
its release does, are given to the stack as local files (`kwok.manifests`). The
component creates KWOK's CRDs, RBAC, configuration and one controller Deployment per
shard (here two: four nodes, two per controller), and the Stage objects. The
Deployments' pods cannot run without a container runtime, so the tier runs the same
`kwok` binary on the host once per Deployment, with the configuration it mounts
(ConfigMap kube-system/kwok) and its flags, reading the Stage objects the component
created. Shard 0 alone makes its own nodes Ready and no other; shard 1 then makes the
rest Ready, and each node's Lease is renewed; the stack's `kwok.logLevel: WARN` keeps
the renewals out of the controllers' logs.
"""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleet.render.nodes import is_fake_node
from fleet.render.shards import SHARD_LABEL
from lab import host_processes, kube, waits
from lab.cluster import Cluster, kwok_cluster
from lab.engine import FleetStack
from lab.tools import Engine, kwok_manifests
from tests.e2e.test_1_lesson1 import fake_nodes

pytestmark = pytest.mark.e2e

STAGES = ("kwok.x-k8s.io", "v1alpha1", "stages")


@pytest.fixture(scope="module")
def bare_cluster(binaries: dict[str, Path]) -> Iterator[Cluster]:
    with kwok_cluster(binaries, kwok_controller=False) as created:
        yield created


def _stage_names(api: Any) -> list[str]:
    custom = kube.custom(api)
    found = custom.list_cluster_custom_object(*STAGES)
    return sorted(item["metadata"]["name"] for item in found.get("items", []))


SHARDS = {"0": ["kwok-gpu-a100-0", "kwok-gpu-a100-1", "kwok-gpu-a100-2"], "1": ["kwok-gpu-a100-3"]}


def _ready_nodes(api: Any) -> list[str]:
    return sorted(
        node["metadata"]["name"]
        for node in kube.items(kube.core(api).list_node)
        if is_fake_node(node)
        and any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in node["status"].get("conditions") or []
        )
    )


def _lease_renewals(api: Any) -> dict[str, str]:
    leases = kube.items(kube.coordination(api).list_namespaced_lease, "kube-node-lease")
    return {lease["metadata"]["name"]: lease["spec"].get("renewTime", "") for lease in leases}


def test_kwok_component_installs_two_shards_that_each_keep_their_nodes_ready(
    engine: Engine,
    binaries: dict[str, Path],
    bare_cluster: Cluster,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    manifests = [str(path) for path in kwok_manifests(binaries["kubectl"])]
    stack = FleetStack(engine, tmp_path_factory.mktemp("kwok"), "e2e-kwok")
    stack.write_config(
        {
            "cluster": bare_cluster.as_stack_cluster(),
            "pools": {"a100": {"nodes": 4, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"}},
            # The controllers' pods cannot start here; their Deployments are not awaited.
            "kwok": {
                "manifests": manifests,
                "wait": False,
                "nodesPerController": 2,
                "nodeLeaseParallelism": 8,
                "logLevel": "WARN",
            },
            "operator": {"install": False},
        }
    )
    run = stack.up()
    assert len(run.names("create", ":Node")) == 4
    api = kube.api_client(bare_cluster.kubeconfig)
    try:
        assert {"node-initialize", "node-heartbeat-with-lease"} <= set(_stage_names(api))
        shards = {
            node["metadata"]["name"]: node["metadata"]["labels"][SHARD_LABEL]
            for node in fake_nodes(api).values()
        }
        assert {shard: sorted(n for n, s in shards.items() if s == shard) for shard in SHARDS} == (
            SHARDS
        )
        deployments = kube.items(
            kube.apps(api).list_namespaced_deployment,
            "kube-system",
            label_selector="app=kwok-controller",
        )
        # The release's own Deployment was turned into shard 0 by the component's transform.
        assert sorted(d["metadata"]["name"] for d in deployments) == [
            "kwok-controller-0",
            "kwok-controller-1",
        ]
        for deployment in deployments:
            (container,) = deployment["spec"]["template"]["spec"]["containers"]
            assert container["image"].endswith(":v0.7.0")
            annotations = deployment["spec"]["template"]["metadata"]["annotations"]
            assert annotations["gpu-fleet.dev/kwok-node-lease-parallelism"] == "8"
        # The stack's lease parallelism is in the release's configuration the shards mount.
        config_map = kube.raw(kube.core(api).read_namespaced_config_map, "kwok", "kube-system")
        (configuration,) = yaml.safe_load_all(config_map["data"]["kwok.yaml"])
        assert configuration["options"]["nodeLeaseParallelism"] == 8
        assert configuration["options"]["manageNodesWithAnnotationSelector"] == (
            "kwok.x-k8s.io/node=fake"
        )
        # Before KWOK runs, nothing manages the nodes: they are not Ready.
        assert waits.node_state(api).ready == 0

        zero, one = host_processes.kwok_shard_commands(binaries, bare_cluster)
        assert "--manage-nodes-with-label-selector=gpu-fleet.dev/kwok-shard=1" in one.argv
        # Shard 0 keeps running while shard 1 joins: a restarted KWOK controller has a new
        # identity and waits for its predecessor's Leases to expire before renewing them.
        with host_processes.supervised([zero]) as first_shard:
            ready = kube.wait_until(lambda: _ready_nodes(api) == SHARDS["0"], timeout=60)
            assert ready, first_shard.log_tail()
            time.sleep(3)  # shard 0 leaves shard 1's node alone
            assert _ready_nodes(api) == SHARDS["0"]
            with host_processes.supervised([one]) as second_shard:
                everything = sorted(shards)
                ready = kube.wait_until(lambda: _ready_nodes(api) == everything, timeout=60)
                assert ready, second_shard.log_tail()
                renewals = _lease_renewals(api)
                assert sorted(renewals) == everything
                # Leases of a 40 s duration are renewed every 10 s (plus jitter).
                renewed = kube.wait_until(
                    lambda: all(_lease_renewals(api)[n] != renewals[n] for n in everything),
                    timeout=30,
                )
                assert renewed, first_shard.log_tail() + second_shard.log_tail()
                # At WARN, neither the renewals nor the nodes' patches were logged
                # (the release's INFO logs a line for each).
                for shard in (zero, one):
                    assert '"level":"INFO"' not in shard.log.read_text(), shard.log

        destroyed = stack.destroy()
        assert len(destroyed.names("delete", ":Node")) == 4
        assert fake_nodes(api) == {}
        assert kube.wait_until(lambda: not _has_stages_crd(api), timeout=60)
    finally:
        api.close()


def _has_stages_crd(api: Any) -> bool:
    crds = kube.items(kube.extensions(api).list_custom_resource_definition)
    return any(crd["metadata"]["name"] == "stages.kwok.x-k8s.io" for crd in crds)
