"""The pool-level dynamic provider against an in-memory API server: create, diff, update,
read and delete touch exactly the nodes they should, with the manifests `fleet` builds."""

from typing import Any

import pytest

from components.node_pool_provider import NodePoolProvider, manifests, plan
from fleet.cluster import node_api
from fleet.render.nodes import POOL_LABEL, pool_nodes
from fleet.render.shards import SHARD_LABEL
from fleet.stack.spec import PoolSpec, node_name

A100 = PoolSpec.model_validate({"nodes": 3, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"})


class FakeCluster:
    """Nodes by name, as server-side apply would leave them; records every call."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.connected: list[tuple[str | None, str | None]] = []

    def create(self, manifest: dict[str, Any]) -> None:
        name = manifest["metadata"]["name"]
        self.calls.append(("create", name))
        self.nodes[name] = manifest

    def apply(self, manifest: dict[str, Any]) -> None:
        name = manifest["metadata"]["name"]
        self.calls.append(("apply", name))
        self.nodes[name] = manifest

    def delete(self, name: str) -> None:
        self.calls.append(("delete", name))
        self.nodes.pop(name, None)

    def names(self, label_selector: str) -> set[str]:
        key, value = label_selector.split("=")
        return {n for n, m in self.nodes.items() if m["metadata"]["labels"].get(key) == value}

    def connect(self, kubeconfig: str | None, context: str | None) -> node_api.NodeApi:
        self.connected.append((kubeconfig, context))
        return self


def props(nodes: int, shards: int = 1, **pool: Any) -> dict[str, Any]:
    spec = A100.model_copy(update={"nodes": nodes, **pool})
    # As the wire delivers them: numbers are floats.
    dumped = {
        k: float(v) if isinstance(v, int) else v for k, v in spec.model_dump(by_alias=True).items()
    }
    return {
        "poolName": "a100",
        "pool": dumped,
        "nodeNames": [node_name("a100", i) for i in range(nodes)],
        "kwokShards": float(shards),
        "kubeconfig": "apiVersion: v1\nkind: Config\n",
        "context": None,
    }


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


@pytest.fixture
def provider(cluster: FakeCluster) -> NodePoolProvider:
    return NodePoolProvider(cluster.connect)


def test_create_creates_every_node_exactly_as_fleet_builds_it(
    provider: NodePoolProvider, cluster: FakeCluster
) -> None:
    result = provider.create(props(3))
    assert result.id == "a100"
    assert cluster.nodes == {m["metadata"]["name"]: m for m in pool_nodes("a100", A100, 1)}
    assert cluster.connected == [("apiVersion: v1\nkind: Config\n", None)]
    assert result.outs is not None
    assert result.outs["nodeNames"] == props(3)["nodeNames"]


def test_manifests_carry_status_taint_and_labels_but_no_gpu_count() -> None:
    (node,) = manifests(props(3), ["kwok-gpu-a100-1"])
    assert node["metadata"]["name"] == "kwok-gpu-a100-1"
    assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"
    assert node["spec"]["taints"] == [
        {"key": "kwok.x-k8s.io/node", "value": "fake", "effect": "NoSchedule"}
    ]
    assert node["metadata"]["labels"][POOL_LABEL] == "a100"
    assert node["status"]["capacity"] == {"cpu": "96", "memory": "1024Gi", "pods": "110"}
    assert "nvidia.com/gpu" not in node["status"]["capacity"]
    assert "nvidia.com/gpu" not in node["status"]["allocatable"]


def test_diff_of_the_same_pool_is_no_change(provider: NodePoolProvider) -> None:
    assert provider.diff("a100", props(3), props(3)).changes is False


def test_growing_creates_only_the_new_nodes(
    provider: NodePoolProvider, cluster: FakeCluster
) -> None:
    provider.create(props(3))
    cluster.calls.clear()
    assert provider.diff("a100", props(3), props(5)).changes is True
    provider.update("a100", props(3), props(5))
    assert sorted(cluster.calls) == [("create", "kwok-gpu-a100-3"), ("create", "kwok-gpu-a100-4")]
    assert len(cluster.nodes) == 5


def test_shrinking_deletes_exactly_the_removed_nodes(
    provider: NodePoolProvider, cluster: FakeCluster
) -> None:
    provider.create(props(5))
    cluster.nodes["kwok-gpu-other-0"] = {"metadata": {"labels": {}}}
    cluster.calls.clear()
    provider.update("a100", props(5), props(3))
    assert sorted(cluster.calls) == [("delete", "kwok-gpu-a100-3"), ("delete", "kwok-gpu-a100-4")]
    assert sorted(cluster.nodes) == [
        "kwok-gpu-a100-0",
        "kwok-gpu-a100-1",
        "kwok-gpu-a100-2",
        "kwok-gpu-other-0",
    ]


def test_a_template_change_reapplies_every_node(
    provider: NodePoolProvider, cluster: FakeCluster
) -> None:
    provider.create(props(3))
    cluster.calls.clear()
    provider.update("a100", props(3), props(3, cpu=128))
    assert sorted(cluster.calls) == [("apply", node_name("a100", i)) for i in range(3)]
    assert cluster.nodes["kwok-gpu-a100-0"]["status"]["capacity"]["cpu"] == "128"


def test_a_new_kwok_shard_relabels_only_the_nodes_it_takes(
    provider: NodePoolProvider, cluster: FakeCluster
) -> None:
    """A fleet grown from 3 to 4 KWOK controllers: the nodes shard 3 wins are applied with
    its label, none of the others is touched."""
    provider.create(props(400, shards=3))
    cluster.calls.clear()
    provider.update("a100", props(400, shards=3), props(400, shards=4))
    moved = sorted(name for _, name in cluster.calls)
    assert {call for call, _ in cluster.calls} == {"apply"}
    assert 60 < len(moved) < 140  # about a quarter of 400
    assert moved == sorted(cluster.names(f"{SHARD_LABEL}=3"))
    shards = [cluster.names(f"{SHARD_LABEL}={shard}") for shard in range(4)]
    assert sum(len(nodes) for nodes in shards) == 400


def test_a_new_connection_reapplies_every_node() -> None:
    moved = {**props(3), "context": "other"}
    steps = plan(props(3), moved)
    assert (steps.create, steps.apply, steps.delete) == ([], props(3)["nodeNames"], [])


def test_read_keeps_only_the_nodes_that_exist_so_up_recreates_the_others(
    provider: NodePoolProvider, cluster: FakeCluster
) -> None:
    provider.create(props(3))
    del cluster.nodes["kwok-gpu-a100-1"]
    refreshed = provider.read("a100", props(3))
    assert refreshed.outs is not None
    assert refreshed.outs["nodeNames"] == ["kwok-gpu-a100-0", "kwok-gpu-a100-2"]
    cluster.calls.clear()
    provider.update("a100", refreshed.outs, props(3))
    assert cluster.calls == [("create", "kwok-gpu-a100-1")]


def test_read_of_an_untouched_pool_is_the_state_itself(
    provider: NodePoolProvider, cluster: FakeCluster
) -> None:
    provider.create(props(3))
    refreshed = provider.read("a100", props(3))
    assert refreshed.outs is not None
    assert provider.diff("a100", refreshed.outs, props(3)).changes is False


def test_delete_removes_every_node_of_the_pool_and_nothing_else(
    provider: NodePoolProvider, cluster: FakeCluster
) -> None:
    provider.create(props(3))
    cluster.nodes["kwok-gpu-h100-0"] = {"metadata": {"labels": {POOL_LABEL: "h100"}}}
    provider.delete("a100", props(3))
    assert list(cluster.nodes) == ["kwok-gpu-h100-0"]


def test_failures_are_reported_together_with_the_nodes_they_concern() -> None:
    class Refusing(FakeCluster):
        def create(self, manifest: dict[str, Any]) -> None:
            raise node_api.NodeApiError(f"create of node {manifest['metadata']['name']}: HTTP 422")

    refusing = Refusing()
    with pytest.raises(node_api.NodeApiError, match=r"3 node create call\(s\) failed: create of"):
        NodePoolProvider(refusing.connect).create(props(3))
