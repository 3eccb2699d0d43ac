"""One pool of KWOK fake GPU nodes."""

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from components.kube_object import KubernetesObject
from components.node_pool_provider import NodePoolProvider
from components.options import child_options
from fleet.render.nodes import pool_nodes
from fleet.stack.spec import NodeResources, PoolSpec, node_name


@dataclass(frozen=True)
class ClusterConnection:
    """How a pool-level resource reaches the cluster: what the stack's kubernetes
    provider uses. `kubeconfig` is the kubeconfig's text (a secret) or a file path;
    None means $KUBECONFIG or ~/.kube/config. `context` None: its current context."""

    kubeconfig: pulumi.Input[str] | None = None
    context: str | None = None


@dataclass(frozen=True)
class GpuNodePoolArgs:
    pool_name: str
    pool: PoolSpec
    # The fleet's KWOK controller count: each node is labelled with its shard.
    kwok_shards: int
    node_resources: NodeResources = "perNode"
    # Needed with `perPool` only; `perNode` nodes go through the kubernetes provider.
    connection: ClusterConnection | None = None


class PoolNodes(pulumi.dynamic.Resource, module="gpu-fleet", name="PoolNodes"):
    """All nodes of a pool as one resource (components/node_pool_provider.py)."""

    nodeNames: pulumi.Output[list[str]]

    def __init__(
        self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        secret = pulumi.ResourceOptions(additional_secret_outputs=["kubeconfig"])
        super().__init__(
            NodePoolProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret)
        )


class GpuNodePool(pulumi.ComponentResource):
    """The pool's nodes: each a resource named after its node (`perNode`), or one
    resource for the whole pool (`perPool`); either way a diff names the nodes.

    A node's `status` is sent once, on create: the API server keeps status given on
    create and ignores it on update, and from then on KWOK and the operator own it
    (KWOK fills in nodeInfo, the operator adds `nvidia.com/gpu`). Per node, Pulumi is
    told to ignore later changes to it; otherwise, after a `pulumi refresh` had read
    KWOK's values back, every later `up` would plan an update of every node that can
    never take effect. Per pool, refresh reads back only which nodes exist.
    """

    nodes: list[KubernetesObject]
    pool_resource: PoolNodes | None
    node_names: list[str]

    def __init__(
        self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:GpuNodePool", name, None, opts)
        self.node_names = [node_name(args.pool_name, i) for i in range(args.pool.nodes)]
        self.nodes = []
        self.pool_resource = None
        if args.node_resources == "perPool":
            self.pool_resource = self._pool_resource(name, args, opts)
        else:
            child = child_options(self, opts, pulumi.ResourceOptions(ignore_changes=["status"]))
            self.nodes = [
                KubernetesObject(manifest["metadata"]["name"], manifest, child)
                for manifest in pool_nodes(args.pool_name, args.pool, args.kwok_shards)
            ]
        self.register_outputs(
            {"nodeNames": self.node_names, "gpus": args.pool.gpus, "nodes": args.pool.nodes}
        )

    def _pool_resource(
        self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None
    ) -> PoolNodes:
        connection = args.connection or ClusterConnection()
        props: dict[str, Any] = {
            "poolName": args.pool_name,
            "pool": args.pool.model_dump(by_alias=True),
            "nodeNames": self.node_names,
            "kwokShards": args.kwok_shards,
            "kubeconfig": connection.kubeconfig,
            "context": connection.context,
        }
        return PoolNodes(f"{name}-nodes", props, child_options(self, opts))
