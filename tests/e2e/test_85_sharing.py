"""GPU sharing on a live control plane: fake-gpu-operator's own commands advertise what the
pools' `sharing` says, the nodes carry the GFD labels the program gives them, and the
scheduler places a MIG-slice pod and leaves a whole-GPU pod on a partitioned node Pending.

A control plane of its own. The operator's chart (0.0.59) is installed by the program's
Helm release; its `status-updater` and `kwok-gpu-device-plugin` run on the host.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fleet.render.nodes import KWOK_TAINT, POOL_LABEL
from fleet.stack import versions
from fleet.stack.load import load_stack_file
from fleet.stack.spec import FleetSpec
from lab import host_processes, kube
from lab.charts import operator_chart
from lab.cluster import Cluster, kwok_cluster
from lab.engine import FleetStack
from lab.host_processes import Supervisor
from lab.lesson1 import OPERATOR_NAMESPACE
from lab.tools import Engine

pytestmark = pytest.mark.e2e

NAMESPACE = "sharing"
POOLS = {
    "h100": {
        "nodes": 2,
        "gpusPerNode": 8,
        "product": "NVIDIA-H100-80GB-HBM3",
        "sharing": {
            "mig": {"strategy": "mixed", "profiles": {"3g.40gb": 1, "2g.20gb": 1, "1g.10gb": 2}}
        },
    },
    "l40s": {
        "nodes": 1,
        "gpusPerNode": 4,
        "product": "NVIDIA-L40S",
        "sharing": {"timeSlicing": {"replicas": 4}},
    },
    "a100": {"nodes": 1, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"},
}


@pytest.fixture(scope="module")
def sharing_cluster(binaries: dict[str, Path]) -> Iterator[Cluster]:
    with kwok_cluster(binaries) as created:
        yield created


@pytest.fixture(scope="module")
def sharing_api(sharing_cluster: Cluster) -> Iterator[Any]:
    client = kube.api_client(sharing_cluster.kubeconfig)
    yield client
    client.close()


@pytest.fixture(scope="module")
def sharing_operator(binaries: dict[str, Path], sharing_cluster: Cluster) -> Iterator[Supervisor]:
    commands = host_processes.operator_commands(
        binaries, sharing_cluster, OPERATOR_NAMESPACE, versions.OPERATOR_VERSION
    )
    with host_processes.supervised(commands) as supervisor:
        yield supervisor


@pytest.fixture(scope="module")
def sharing_stack(
    engine: Engine,
    sharing_cluster: Cluster,
    sharing_operator: Supervisor,
    tmp_path_factory: pytest.TempPathFactory,
) -> FleetStack:
    stack = FleetStack(engine, tmp_path_factory.mktemp("sharing"), "e2e-sharing")
    stack.write_config(
        {
            "cluster": sharing_cluster.as_stack_cluster(),
            "pools": POOLS,
            "kwok": {"install": False},
            "operator": {
                "chart": str(operator_chart(versions.OPERATOR_VERSION)),
                "namespace": OPERATOR_NAMESPACE,
                "wait": False,
                "hooks": False,
            },
        }
    )
    stack.first_up = stack.up()
    return stack


def advertised(node: dict[str, Any]) -> dict[str, int]:
    allocatable = node["status"].get("allocatable") or {}
    return {k: int(v) for k, v in allocatable.items() if k.startswith("nvidia.com/")}


def expected(spec: FleetSpec, node: dict[str, Any]) -> dict[str, int]:
    offer = spec.pools[node["metadata"]["labels"][POOL_LABEL]].offer
    return {"nvidia.com/gpu": offer.gpu_count, **offer.resources}


def test_the_operator_advertises_what_each_pools_sharing_says(
    sharing_stack: FleetStack, sharing_api: Any
) -> None:
    spec = load_stack_file(sharing_stack.stack_file)

    def nodes() -> list[dict[str, Any]]:
        return kube.items(kube.core(sharing_api).list_node, label_selector=POOL_LABEL)

    def all_advertised() -> bool:
        found = nodes()
        return len(found) == 4 and all(advertised(n) == expected(spec, n) for n in found)

    assert kube.wait_until(all_advertised, timeout=120), {
        n["metadata"]["name"]: (advertised(n), expected(spec, n)) for n in nodes()
    }
    by_name = {n["metadata"]["name"]: n for n in nodes()}
    assert advertised(by_name["kwok-gpu-h100-0"]) == {
        "nvidia.com/gpu": 0,
        "nvidia.com/mig-3g.40gb": 8,
        "nvidia.com/mig-2g.20gb": 8,
        "nvidia.com/mig-1g.10gb": 16,
    }
    assert advertised(by_name["kwok-gpu-l40s-0"]) == {"nvidia.com/gpu": 16}
    assert advertised(by_name["kwok-gpu-a100-0"]) == {"nvidia.com/gpu": 8}
    h100 = by_name["kwok-gpu-h100-1"]["metadata"]["labels"]
    assert (h100["nvidia.com/mig.strategy"], h100["nvidia.com/mig-1g.10gb.count"]) == (
        "mixed",
        "16",
    )
    l40s = by_name["kwok-gpu-l40s-0"]["metadata"]["labels"]
    assert (l40s["nvidia.com/gpu.product"], l40s["nvidia.com/gpu.replicas"]) == (
        "NVIDIA-L40S-SHARED",
        "4",
    )


def pod(name: str, resource: str, pool: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "nodeSelector": {POOL_LABEL: pool},
            "tolerations": [{**KWOK_TAINT, "operator": "Equal"}],
            "containers": [
                {
                    "name": "main",
                    "image": "fake",
                    "resources": {"limits": {resource: "1"}},
                }
            ],
        },
    }


def test_a_slice_pod_runs_and_a_whole_gpu_pod_waits_on_the_partitioned_pool(
    sharing_stack: FleetStack, sharing_api: Any
) -> None:
    core = kube.core(sharing_api)
    core.create_namespace({"metadata": {"name": NAMESPACE}})
    core.create_namespaced_pod(NAMESPACE, pod("slice", "nvidia.com/mig-3g.40gb", "h100"))
    core.create_namespaced_pod(NAMESPACE, pod("whole", "nvidia.com/gpu", "h100"))

    def phase(name: str) -> dict[str, Any]:
        return kube.raw(core.read_namespaced_pod, name, NAMESPACE)

    assert kube.wait_until(lambda: phase("slice")["status"].get("phase") == "Running", 60)
    assert phase("slice")["spec"]["nodeName"].startswith("kwok-gpu-h100-")

    def unschedulable() -> bool:
        conditions = phase("whole")["status"].get("conditions") or []
        return any(c.get("reason") == "Unschedulable" for c in conditions)

    assert kube.wait_until(unschedulable, 60)
    (condition,) = [
        c for c in phase("whole")["status"]["conditions"] if c["type"] == "PodScheduled"
    ]
    assert "Insufficient nvidia.com/gpu" in condition["message"]
