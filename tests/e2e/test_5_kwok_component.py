"""KWOK installed by the program's `Kwok` component, on a control plane with no KWOK of its own.

The release manifests (`kwok.yaml`, `stage-fast.yaml`), rendered from KWOK's source as
its release does, are given to the stack as local files (`kwok.manifests`). The
component creates KWOK's CRDs, RBAC, configuration and controller Deployment, and the
Stage objects. The Deployment's pod cannot run without a container runtime, so the
tier runs the same `kwok` binary on the host with the configuration the component
installed (ConfigMap kube-system/kwok), reading the Stage objects it created.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.harness import host_processes, kube, waits
from tests.e2e.harness.cluster import Cluster, kwok_cluster
from tests.e2e.harness.engine import FleetStack
from tests.e2e.harness.tools import Engine, kwok_manifests
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


def test_kwok_component_installs_kwok_that_then_manages_the_nodes(
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
            "pools": {"a100": {"nodes": 2, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"}},
            # The controller's pod cannot start here; its Deployment is not awaited.
            "kwok": {"manifests": manifests, "wait": False},
            "operator": {"install": False},
        }
    )
    run = stack.up()
    assert len(run.names("create", ":Node")) == 2
    api = kube.api_client(bare_cluster.kubeconfig)
    try:
        assert {"node-initialize", "node-heartbeat-with-lease"} <= set(_stage_names(api))
        deployment = kube.raw(
            kube.apps(api).read_namespaced_deployment, "kwok-controller", "kube-system"
        )
        assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v0.7.0")
        # Before KWOK runs, nothing manages the nodes: they are not Ready.
        assert waits.node_state(api).ready == 0

        config_map = kube.raw(kube.core(api).read_namespaced_config_map, "kwok", "kube-system")
        config = bare_cluster.workdir / "kwok-from-configmap.yaml"
        config.write_text(config_map["data"]["kwok.yaml"])
        assert yaml.safe_load(config.read_text())["options"]["manageAllNodes"] is False
        controller = host_processes.kwok_controller_command(
            binaries, bare_cluster.kubeconfig, config, bare_cluster.workdir
        )
        with host_processes.supervised([controller]) as supervisor:
            ready = kube.wait_until(lambda: waits.node_state(api).ready == 2, timeout=60)
            assert ready, supervisor.log_tail()

        destroyed = stack.destroy()
        assert len(destroyed.names("delete", ":Node")) == 2
        assert fake_nodes(api) == {}
        assert kube.wait_until(lambda: not _has_stages_crd(api), timeout=60)
    finally:
        api.close()


def _has_stages_crd(api: Any) -> bool:
    crds = kube.items(kube.extensions(api).list_custom_resource_definition)
    return any(crd["metadata"]["name"] == "stages.kwok.x-k8s.io" for crd in crds)
