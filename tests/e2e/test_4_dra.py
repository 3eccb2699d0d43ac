"""GPUs by Dynamic Resource Allocation: fake-gpu-operator 0.2.0's KWOK DRA plugin publishes a
ResourceSlice per fake node, and the DRA demo's claims come out as `fleet expect` says.

A control plane of its own: the stack's node names are lesson 1's. The operator's
chart 0.2.0 is installed by the program's Helm release; its `status-updater` and
`kwok-dra-plugin`, built from its source, run on the host (no container runtime).
"""

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fleet.demo.plan import plan_demo
from fleet.demo.workloads import DRA_QUEUE
from fleet.stack.load import load_stack_file
from lab import host_processes, kube
from lab.charts import operator_chart
from lab.cluster import Cluster, kwok_cluster
from lab.engine import FleetStack
from lab.host_processes import Supervisor
from lab.lesson1 import LESSON1_POOLS, OPERATOR_NAMESPACE
from lab.pins import OPERATOR_DRA_VERSION
from lab.tools import Engine
from lab.waits import settle as settle_fleet
from tests.e2e.test_1_lesson1 import evidence_and_report

pytestmark = pytest.mark.e2e

SLICES = ("resource.k8s.io", "v1", "resourceslices")


@pytest.fixture(scope="module")
def dra_cluster(binaries: dict[str, Path]) -> Iterator[Cluster]:
    with kwok_cluster(binaries) as created:
        yield created


@pytest.fixture(scope="module")
def dra_api(dra_cluster: Cluster) -> Iterator[Any]:
    client = kube.api_client(dra_cluster.kubeconfig)
    yield client
    client.close()


@pytest.fixture(scope="module")
def dra_operator(binaries: dict[str, Path], dra_cluster: Cluster) -> Iterator[Supervisor]:
    commands = host_processes.operator_commands(
        binaries,
        dra_cluster,
        OPERATOR_NAMESPACE,
        OPERATOR_DRA_VERSION,
        host_processes.DRA_COMMANDS,
    )
    with host_processes.supervised(commands) as supervisor:
        yield supervisor


def dra_config(cluster: Cluster, pools: dict[str, Any]) -> dict[str, Any]:
    return {
        "cluster": cluster.as_stack_cluster(),
        "pools": copy.deepcopy(pools),
        "gpuOffer": "dra",
        "kwok": {"install": False},
        "operator": {
            "version": OPERATOR_DRA_VERSION,
            "chart": str(operator_chart(OPERATOR_DRA_VERSION)),
            "namespace": OPERATOR_NAMESPACE,
            "wait": False,
            "hooks": False,
        },
        "demo": {"enabled": True, "queueReplicas": 40},
    }


@pytest.fixture(scope="module")
def dra_stack(
    engine: Engine,
    dra_cluster: Cluster,
    dra_operator: Supervisor,
    tmp_path_factory: pytest.TempPathFactory,
) -> FleetStack:
    stack = FleetStack(engine, tmp_path_factory.mktemp("dra"), "e2e-dra")
    stack.write_config(dra_config(dra_cluster, LESSON1_POOLS))
    stack.first_up = stack.up()
    return stack


def slices(api: Any) -> list[dict[str, Any]]:
    found = kube.custom(api).list_cluster_custom_object(*SLICES)
    return [s for s in found.get("items", []) if s["spec"].get("driver") == "gpu.nvidia.com"]


def settle(api: Any, stack: FleetStack) -> None:
    """One slice per fake node, then what every stack waits for (lab.waits.settle)."""
    nodes = load_stack_file(stack.stack_file).total_nodes
    published = kube.wait_until(lambda: len(slices(api)) == nodes, timeout=120)
    assert published, f"{len(slices(api))} ResourceSlices for {nodes} nodes"
    settle_fleet(api, stack.stack_file)


def test_dra_plugin_publishes_a_slice_per_node_with_the_pools_devices(
    dra_stack: FleetStack, dra_api: Any
) -> None:
    settle(dra_api, dra_stack)
    by_node = {s["spec"]["nodeName"]: s for s in slices(dra_api)}
    for node, found in by_node.items():
        pool = LESSON1_POOLS[node.split("-")[2]]
        devices = found["spec"]["devices"]
        assert len(devices) == pool["gpusPerNode"], node
        names = {d["attributes"]["gpu.nvidia.com/productName"]["string"] for d in devices}
        assert names == {pool["product"]}, node
    nodes = kube.items(kube.core(dra_api).list_node)
    assert all("nvidia.com/gpu" not in (n["status"].get("allocatable") or {}) for n in nodes)


def test_dra_demo_outcome_and_report_pass(
    dra_stack: FleetStack, dra_api: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settle(dra_api, dra_stack)
    document, report = evidence_and_report(
        dra_stack, tmp_path_factory.mktemp("dra-evidence"), record_as="lesson1-dra"
    )
    observed = {w["name"]: (w["running"], w["pending"]) for w in document["observed"]["workloads"]}
    expected = plan_demo(load_stack_file(dra_stack.stack_file)).expected
    assert observed == {w.name: (w.running, w.pending) for w in expected.workloads}
    assert (expected.running, expected.pending) == (32, 11)
    assert "FAIL" not in report


def test_growing_a100_moves_the_dra_queue_as_fleet_expect_says(
    dra_stack: FleetStack,
    dra_cluster: Cluster,
    dra_api: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    pools = copy.deepcopy(LESSON1_POOLS)
    pools["a100"]["nodes"] = 4
    dra_stack.write_config(dra_config(dra_cluster, pools))
    run = dra_stack.up()
    assert run.names("create", ":Node") == ["kwok-gpu-a100-2", "kwok-gpu-a100-3"]
    settle(dra_api, dra_stack)
    predicted = plan_demo(load_stack_file(dra_stack.stack_file)).expected.workload(DRA_QUEUE)
    document, _ = evidence_and_report(dra_stack, tmp_path_factory.mktemp("dra-grown"))
    queue = next(w for w in document["observed"]["workloads"] if w["name"] == DRA_QUEUE)
    assert (queue["running"], queue["pending"]) == (predicted.running, predicted.pending)
    assert (predicted.running, predicted.pending) == (40, 0)
    dra_stack.destroy()
