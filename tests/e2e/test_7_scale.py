"""`nodeResources: perPool` under the real engine: one resource per pool applies and prunes
its nodes in bulk, a preview names the nodes a change adds, refresh then up is a no-op
while KWOK owns the nodes' status, and destroy leaves no node.

A small size of `make bench-e2e`, on a control plane of its own (with its KWOK
controller), so the session's lesson-1 fleet is not touched.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fleet.cluster.node_api import FIELD_MANAGER
from fleet.render.nodes import KWOK_TAINT, POOL_LABEL
from lab import kube
from lab.cluster import Cluster, kwok_cluster
from lab.dynamic_provider import ensure_dynamic_provider_plugin
from lab.engine import FleetStack
from lab.pool_changes import Steps
from lab.tools import Engine
from tests.e2e.test_1_lesson1 import fake_nodes

pytestmark = pytest.mark.e2e

NODES = 50
POOL = "scale"


@pytest.fixture(scope="module")
def scale_cluster(binaries: dict[str, Path]) -> Iterator[Cluster]:
    with kwok_cluster(binaries) as created:
        yield created


@pytest.fixture(scope="module")
def scale_api(scale_cluster: Cluster) -> Iterator[Any]:
    client = kube.api_client(scale_cluster.kubeconfig)
    yield client
    client.close()


def config(cluster: Cluster, nodes: int) -> dict[str, Any]:
    return {
        "cluster": cluster.as_stack_cluster(),
        "nodeResources": "perPool",
        "pools": {POOL: {"nodes": nodes, "gpusPerNode": 8, "product": "NVIDIA-H100-80GB-HBM3"}},
        "kwok": {"install": False},
        "operator": {"install": False},
    }


@pytest.fixture(scope="module")
def scale(
    engine: Engine, scale_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> FleetStack:
    ensure_dynamic_provider_plugin(engine)
    stack = FleetStack(engine, tmp_path_factory.mktemp("scale"), "e2e-scale")
    stack.write_config(config(scale_cluster, NODES))
    stack.first_up = stack.up()
    return stack


def names(count: int) -> list[str]:
    return [f"kwok-gpu-{POOL}-{i}" for i in range(count)]


def test_up_creates_every_node_with_its_labels_taint_and_status(
    scale: FleetStack, scale_api: Any
) -> None:
    assert scale.first_up is not None
    assert scale.first_up.counts["create"] < 10  # the stack, provider, components, one pool
    nodes = fake_nodes(scale_api)
    assert sorted(nodes) == sorted(names(NODES))
    node = nodes[f"kwok-gpu-{POOL}-0"]
    assert node["metadata"]["labels"][POOL_LABEL] == POOL
    assert node["spec"]["taints"] == [KWOK_TAINT]
    assert node["status"]["capacity"]["cpu"] == "96"
    # Created by a server-side apply under the program's field manager (never a plain
    # create, whose own entry would keep fields the program stops sending), its status
    # then applied through the status subresource by the same manager, which so owns it.
    entries = {
        e.get("subresource", ""): e
        for e in node["metadata"]["managedFields"]
        if e["manager"] == FIELD_MANAGER
    }
    assert sorted(entries) == ["", "status"]
    assert {e["operation"] for e in entries.values()} == {"Apply"}
    owned = entries[""]["fieldsV1"]
    assert f"f:{POOL_LABEL}" in owned["f:metadata"]["f:labels"]
    assert "f:status" not in owned
    assert "f:cpu" in entries["status"]["fieldsV1"]["f:status"]["f:capacity"]


def test_preview_of_two_more_nodes_names_exactly_them(
    scale: FleetStack, scale_cluster: Cluster
) -> None:
    scale.write_config(config(scale_cluster, NODES + 2))
    steps = Steps()
    printed: list[str] = []
    scale.stack.preview(
        diff=True, color="never", on_event=steps.on_event(), on_output=printed.append
    )
    new_nodes = [f"kwok-gpu-{POOL}-{NODES}", f"kwok-gpu-{POOL}-{NODES + 1}"]
    assert steps.ops == {f"{POOL}-nodes": "update"}
    assert steps.added() == new_nodes
    assert steps.removed() == []
    (pool_step,) = steps.pools
    assert pool_step.summary == f"adds 2: {new_nodes[0]}, {new_nodes[1]}"
    # What a person running `make preview` reads: the pool's update, with both names.
    text = "".join(printed)
    assert pool_step.summary in text, text
    print("".join(line for line in printed if "changes" in line or "nodeCount" in line))


def test_up_of_two_more_nodes_creates_them(scale: FleetStack, scale_api: Any) -> None:
    run = scale.up()
    # The dynamic provider's default provider takes the whole stack config, so it
    # "updates" with any config change; no resource but the pool's changes.
    changed = [(c.op, c.name) for c in run.changes if not c.type.startswith("pulumi:providers:")]
    assert changed == [("update", f"{POOL}-nodes")]
    assert sorted(fake_nodes(scale_api)) == sorted(names(NODES + 2))


def test_refresh_then_up_is_a_no_op_while_kwok_owns_status(
    scale: FleetStack, scale_api: Any
) -> None:
    assert kube.wait_until(
        lambda: all(_ready(node) for node in fake_nodes(scale_api).values()), timeout=60
    ), "KWOK did not make every node Ready"
    scale.refresh()
    assert scale.up().changes == []


def test_a_node_deleted_out_of_band_comes_back_on_refresh_and_up(
    scale: FleetStack, scale_api: Any
) -> None:
    gone = f"kwok-gpu-{POOL}-7"
    kube.core(scale_api).delete_node(gone)
    scale.refresh()
    steps = Steps()
    scale.stack.up(color="never", on_event=steps.on_event())
    assert steps.ops == {f"{POOL}-nodes": "update"}
    assert sorted(fake_nodes(scale_api)) == sorted(names(NODES + 2))


def test_destroy_leaves_no_node(scale: FleetStack, scale_api: Any) -> None:
    run = scale.destroy()
    assert ("delete", f"{POOL}-nodes") in [(c.op, c.name) for c in run.changes]
    assert fake_nodes(scale_api) == {}
    assert scale.resource_names() == []


def _ready(node: dict[str, Any]) -> bool:
    conditions = node.get("status", {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
