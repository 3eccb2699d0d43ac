"""Capacity changes through the engine: preview names the nodes, up makes `fleet expect` true,
shrinking deletes exactly the removed nodes, and a node deleted out of band comes back.

Runs after test_1_lesson1.py on the same stack.
"""

import copy
from typing import Any

import pytest

from fleet.demo.plan import plan_demo
from fleet.demo.workloads import QUEUE
from fleet.stack.load import load_stack_file
from lab import kube, waits
from lab.cluster import Cluster
from lab.engine import FleetStack
from lab.lesson1 import LESSON1_POOLS, lesson1_config
from tests.e2e.test_1_lesson1 import evidence_and_report, fake_nodes

pytestmark = pytest.mark.e2e

NODE = ":Node"


def pools_with(pool: str, nodes: int) -> dict[str, Any]:
    pools = copy.deepcopy(LESSON1_POOLS)
    pools[pool]["nodes"] = nodes
    return pools


def test_preview_of_growing_a100_names_exactly_the_two_new_nodes(
    lesson1: FleetStack, cluster: Cluster
) -> None:
    lesson1.write_config(lesson1_config(cluster, pools_with("a100", 4)))
    preview = lesson1.preview()
    assert sorted((c.op, c.name) for c in preview.changes if "providers" not in c.type) == [
        ("create", "kwok-gpu-a100-2"),
        ("create", "kwok-gpu-a100-3"),
    ]


def test_up_of_the_grown_fleet_makes_fleet_expect_come_true(
    lesson1: FleetStack, api: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    run = lesson1.up()
    assert run.names("create", NODE) == ["kwok-gpu-a100-2", "kwok-gpu-a100-3"]
    # The dynamic provider's default provider takes the whole stack config, so it
    # "updates" with any config change; no resource but the nodes changes.
    others = [c for c in run.changes if not c.type.startswith("pulumi:providers:")]
    assert [c for c in others if not c.type.endswith(NODE)] == []
    waits.settle(api, lesson1.stack_file)
    predicted = plan_demo(load_stack_file(lesson1.stack_file)).expected.workload(QUEUE)
    document, _ = evidence_and_report(lesson1, tmp_path_factory.mktemp("evidence-grown"))
    queue = next(w for w in document["observed"]["workloads"] if w["name"] == QUEUE)
    assert (queue["running"], queue["pending"]) == (predicted.running, predicted.pending)
    assert (predicted.running, predicted.pending) == (40, 0)  # 48 GPUs, 1 held by the small pod


def test_shrinking_deletes_exactly_the_removed_nodes(
    lesson1: FleetStack, cluster: Cluster, api: Any
) -> None:
    lesson1.write_config(lesson1_config(cluster))
    run = lesson1.up()
    assert sorted((c.op, c.name) for c in run.changes if "providers" not in c.type) == [
        ("delete", "kwok-gpu-a100-2"),
        ("delete", "kwok-gpu-a100-3"),
    ]
    assert sorted(fake_nodes(api)) == [
        "kwok-gpu-a100-0",
        "kwok-gpu-a100-1",
        "kwok-gpu-h100-0",
        "kwok-gpu-l40s-0",
        "kwok-gpu-l40s-1",
    ]


def test_a_node_deleted_out_of_band_comes_back_on_refresh_and_up(
    lesson1: FleetStack, api: Any
) -> None:
    kube.core(api).delete_node("kwok-gpu-l40s-1")
    assert "kwok-gpu-l40s-1" in lesson1.resource_names()
    lesson1.refresh()
    assert "kwok-gpu-l40s-1" not in lesson1.resource_names()
    run = lesson1.up()
    assert run.names("create", NODE) == ["kwok-gpu-l40s-1"]
    waits.settle(api, lesson1.stack_file)
    node = fake_nodes(api)["kwok-gpu-l40s-1"]
    assert node["status"]["allocatable"]["nvidia.com/gpu"] == "4"
