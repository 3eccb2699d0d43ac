"""`perNode`: the pool's status resource applies the rendered status to the nodes the pool
owns, through the status subresource of the fake API server (which ignores status on an
update of the node itself, as the real one does)."""

import copy
from typing import Any

from components.node_status_provider import NodeStatusProvider
from fleet.render.nodes import named, node_template
from lab.mocks import Deploy, Deployment, stack
from tests.unit.fake_apiserver import FakeApiServer
from tests.unit.test_node_pool_provider import A100, OTHER, OWNER, Cluster

POOL_STATUS = "pulumi-python:dynamic/gpu-fleet:PoolStatus"


def status_props(cpu: int) -> dict[str, Any]:
    template = node_template("a100", A100.model_copy(update={"cpu": cpu}), OWNER)
    return {
        "poolName": "a100",
        "owner": OWNER.label,
        "status": template["status"],
        "kubeconfig": None,
        "context": None,
        "timeouts": {},
    }


def created_by_the_kubernetes_provider(server: FakeApiServer, owner: Any, count: int) -> None:
    """As a plain create with status would leave them (the status kept, not owned)."""
    for i in range(count):
        server.put(copy.deepcopy(named(node_template("a100", A100, owner), f"kwok-gpu-a100-{i}")))


def test_a_cpu_change_reaches_the_pools_own_nodes_and_no_other() -> None:
    cluster = Cluster()
    created_by_the_kubernetes_provider(cluster.server, OWNER, 3)
    provider = NodeStatusProvider(cluster.connect)
    provider.create(status_props(96))
    assert provider.diff("a100-status", status_props(96), status_props(128)).changes is True
    # Another stack's pool of the same name, on the same cluster (perPool refuses that;
    # here it only shows that the selector keeps to this stack's nodes).
    other = named(node_template("a100", A100, OTHER), "kwok-gpu-a100-9")
    cluster.server.put(copy.deepcopy(other))
    provider.update("a100-status", status_props(96), status_props(128))
    for i in range(3):
        assert cluster.server.nodes[f"kwok-gpu-a100-{i}"]["status"]["capacity"]["cpu"] == "128"
    assert cluster.server.nodes["kwok-gpu-a100-9"]["status"]["capacity"]["cpu"] == "96"


def test_the_status_resource_follows_the_nodes_and_not_their_count(deploy: Deploy) -> None:
    deployment: Deployment = deploy(stack("lesson1"))
    (status, *_) = [r for r in deployment.of_type(POOL_STATUS) if r.name == "a100-status"]
    nodes = [deployment.named(n) for n in ("kwok-gpu-a100-0", "kwok-gpu-a100-1")]
    assert all(node.urn in status.dependencies for node in nodes)
    assert status.inputs["status"]["capacity"]["cpu"] == "96"
    assert "nodeCount" not in status.inputs
