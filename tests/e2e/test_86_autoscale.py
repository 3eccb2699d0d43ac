"""An autoscaled pool under a live Karpenter: the program's NodePool, KWOKNodeClass and
instance types drive Karpenter's KWOK provider (built from its module, run on the host,
lab/karpenter_host.py) on a control plane of the module's own.

The pool keeps one node (min 1, max 3). A pod takes that node's GPUs; a second pod asking
for as many waits, Karpenter adds a node of the pool's instance type with the pool's
labels, fake-gpu-operator advertises its GPUs, and the pod runs there. Deleted, it leaves
the node empty, and Karpenter removes the node once the NodePool's `consolidateAfter`
has passed. The figures (pod created to Running, pod deleted to node gone) are printed.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from fleet.autoscale.node_pool import INSTANCE_TYPE_LABEL, KARPENTER_API
from fleet.render.nodes import GPU_RESOURCE, KWOK_TAINT, POOL_LABEL
from fleet.stack import versions
from fleet.stack.autoscale import instance_type_name, node_pool_name
from lab import host_processes, kube, steps, tools
from lab.cluster import Cluster, kwok_cluster
from lab.engine import FleetStack, Run
from lab.host_processes import Supervisor
from lab.karpenter_host import (
    apply_crds,
    mark_node_classes_ready,
    provider_command,
    write_instance_types,
)
from lab.lesson1 import OPERATOR_NAMESPACE, lesson1_config
from lab.pins import AUTOSCALE_TOOLS

pytestmark = pytest.mark.e2e

POOL = "a100"
GPUS = 4
POOLS = {
    POOL: {
        "gpusPerNode": GPUS,
        "product": "NVIDIA-A100-SXM4-80GB",
        "autoscale": {"min": 1, "max": 3, "prices": {"onDemand": 4.1}},
    }
}
NAMESPACE = "default"
NODE_POOL_LABEL = "karpenter.sh/nodepool"
SCALE_UP_TIMEOUT = 90.0
# consolidateAfter (30 s), then Karpenter's disruption pass and the node's termination.
SCALE_DOWN_TIMEOUT = 120.0


@dataclass
class AutoscaleLab:
    cluster: Cluster
    api: Any
    stack: FleetStack
    up: Run
    operator: Supervisor
    karpenter: Supervisor

    def logs(self) -> str:
        return f"{self.karpenter.log_tail(30)}\n{self.operator.log_tail(10)}"


@pytest.fixture(scope="module")
def autoscale_lab(
    engine: tools.Engine, binaries: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AutoscaleLab]:
    with steps.step("tools: Karpenter's KWOK provider"):
        karpenter_binaries = {**binaries, **tools.ensure_tools(AUTOSCALE_TOOLS)}
    with kwok_cluster(binaries) as cluster:
        apply_crds(binaries["kubectl"], cluster)
        commands = host_processes.operator_commands(
            binaries, cluster, OPERATOR_NAMESPACE, versions.OPERATOR_VERSION
        )
        api = kube.api_client(cluster.kubeconfig)
        with host_processes.supervised(commands) as operator:
            stack = FleetStack(engine, tmp_path_factory.mktemp("autoscale"), "e2e-autoscale")
            config = lesson1_config(cluster, POOLS)
            config["demo"] = {"enabled": False}
            stack.write_config(config)
            up = stack.up()
            assert mark_node_classes_ready(api) == [node_pool_name(POOL)]
            types = write_instance_types(api, cluster.workdir)
            provider = provider_command(karpenter_binaries, cluster, types)
            with host_processes.supervised([provider]) as karpenter:
                yield AutoscaleLab(cluster, api, stack, up, operator, karpenter)
        api.close()


def _gpu_pod(name: str) -> dict[str, Any]:
    """A pod of the pool asking for a whole node's GPUs."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "nodeSelector": {POOL_LABEL: POOL},
            "tolerations": [{**KWOK_TAINT, "operator": "Equal"}],
            "containers": [
                {
                    "name": "main",
                    "image": "fake",
                    "resources": {"limits": {GPU_RESOURCE: str(GPUS)}},
                }
            ],
        },
    }


def _pod(api: Any, name: str) -> dict[str, Any] | None:
    try:
        return kube.raw(kube.core(api).read_namespaced_pod, name, NAMESPACE)
    except ApiException as error:
        if error.status == 404:
            return None
        raise


def _running(api: Any, name: str) -> bool:
    pod = _pod(api, name)
    return pod is not None and pod["status"].get("phase") == "Running"


def _karpenter_nodes(api: Any) -> dict[str, dict[str, Any]]:
    nodes = kube.items(kube.core(api).list_node, label_selector=NODE_POOL_LABEL)
    return {node["metadata"]["name"]: node for node in nodes}


def _node_pool_labels(api: Any) -> dict[str, str]:
    group, version = KARPENTER_API.split("/")
    node_pool = kube.custom(api).get_cluster_custom_object(
        group, version, "nodepools", node_pool_name(POOL)
    )
    labels: dict[str, str] = node_pool["spec"]["template"]["metadata"]["labels"]
    return labels


def test_the_stack_creates_the_templates_and_keeps_min_nodes(autoscale_lab: AutoscaleLab) -> None:
    created = autoscale_lab.up.names("create")
    assert node_pool_name(POOL) in created
    fixed = kube.items(kube.core(autoscale_lab.api).list_node, label_selector=POOL_LABEL)
    assert [node["metadata"]["name"] for node in fixed] == [f"kwok-gpu-{POOL}-0"]


def test_a_waiting_pod_gets_a_node_of_the_pool_then_it_goes_when_empty(
    autoscale_lab: AutoscaleLab,
) -> None:
    api = autoscale_lab.api
    core = kube.core(api)
    core.create_namespaced_pod(NAMESPACE, _gpu_pod("fills-the-min-node"))
    assert kube.wait_until(lambda: _running(api, "fills-the-min-node"), 60), autoscale_lab.logs()
    assert not _karpenter_nodes(api)

    created = time.monotonic()
    core.create_namespaced_pod(NAMESPACE, _gpu_pod("needs-a-new-node"))
    assert kube.wait_until(lambda: _running(api, "needs-a-new-node"), SCALE_UP_TIMEOUT, 0.2), (
        autoscale_lab.logs()
    )
    scale_up = time.monotonic() - created

    (name, node), *others = _karpenter_nodes(api).items()
    assert not others
    pod = _pod(api, "needs-a-new-node")
    assert pod is not None
    assert pod["spec"]["nodeName"] == name
    labels = node["metadata"]["labels"]
    assert _node_pool_labels(api).items() <= labels.items()
    assert labels[INSTANCE_TYPE_LABEL] == instance_type_name(POOL, GPUS)
    assert node["status"]["allocatable"][GPU_RESOURCE] == str(GPUS)
    # The operator took the node as one of its pool's: its per-node topology.
    assert kube.wait_until(
        lambda: any(
            cm["metadata"]["name"] == f"topology-{name}"
            for cm in kube.items(core.list_namespaced_config_map, OPERATOR_NAMESPACE)
        ),
        30,
    ), autoscale_lab.logs()

    deleted = time.monotonic()
    core.delete_namespaced_pod("needs-a-new-node", NAMESPACE, grace_period_seconds=0)
    assert kube.wait_until(lambda: not _karpenter_nodes(api), SCALE_DOWN_TIMEOUT, 1), (
        autoscale_lab.logs()
    )
    scale_down = time.monotonic() - deleted
    print(
        f"\nscale-up (pod created to Running): {scale_up:.1f}s; "
        f"scale-down (pod deleted to node gone): {scale_down:.1f}s"
    )
    assert _running(api, "fills-the-min-node")
