"""One pool of KWOK fake GPU nodes."""

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from components.kube_object import KubernetesObject
from components.node_pool_provider import NodePoolProvider
from components.node_status_provider import NodeStatusProvider
from components.options import child_options
from fleet.reconcile.durations import duration_seconds
from fleet.render.nodes import node_template, pool_nodes
from fleet.stack.owner import StackOwner
from fleet.stack.spec import NodeResources, PoolSpec, node_name


@dataclass(frozen=True)
class ClusterConnection:
    """How a pool-level resource reaches the cluster: what the stack's kubernetes
    provider uses. `kubeconfig` is the kubeconfig's text (a secret) or a file path;
    None means $KUBECONFIG or ~/.kube/config. `context` None: its current context."""

    kubeconfig: pulumi.Input[str] | None = None
    context: str | None = None
    # As the stack's kubernetes provider: drop the pool from the state on `destroy`
    # when the cluster is unreachable (kind stacks), instead of failing.
    delete_unreachable: bool = False


@dataclass(frozen=True)
class GpuNodePoolArgs:
    pool_name: str
    pool: PoolSpec
    owner: StackOwner
    # The fleet's KWOK controller count: each node is labelled with its shard.
    kwok_shards: int = 1
    node_resources: NodeResources = "perNode"
    # For the pool-level resources (`perPool`: the nodes; `perNode`: their status);
    # None: $KUBECONFIG or ~/.kube/config at its current context.
    connection: ClusterConnection | None = None


class PoolNodes(pulumi.dynamic.Resource, module="gpu-fleet", name="PoolNodes"):
    """All nodes of a pool as one resource (components/node_pool_provider.py)."""

    nodeCount: pulumi.Output[int]
    changes: pulumi.Output[str]

    def __init__(
        self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(NodePoolProvider(), name, props, _kubeconfig_secret(opts))


class PoolStatus(pulumi.dynamic.Resource, module="gpu-fleet", name="PoolStatus"):
    """`perNode`: the pool's status on each of its nodes (components/node_status_provider.py)."""

    def __init__(
        self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(NodeStatusProvider(), name, props, _kubeconfig_secret(opts))


def _kubeconfig_secret(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """The kind kubeconfig stays a secret in the state of a pool-level resource."""
    secret = pulumi.ResourceOptions(additional_secret_outputs=["kubeconfig"])
    return pulumi.ResourceOptions.merge(opts, secret)


class GpuNodePool(pulumi.ComponentResource):
    """The pool's nodes: each a resource named after its node (`perNode`), or one
    resource for the whole pool (`perPool`); either way a diff names the nodes.

    A node's `status` is sent on create (the API server keeps status given on create
    and ignores it on update); KWOK and the operator own the rest of it (KWOK fills in
    conditions, the operator adds `nvidia.com/gpu`). Per node, Pulumi is told to ignore
    later changes to it (otherwise, after a `pulumi refresh` had read KWOK's values
    back, every later `up` would plan an update of every node that can never take
    effect), and one `<pool>-status` resource applies the pool's status through the
    status subresource. Per pool, the pool resource does both.
    """

    nodes: list[KubernetesObject]
    pool_resource: PoolNodes | None
    status_resource: PoolStatus | None
    node_names: list[str]

    def __init__(
        self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:GpuNodePool", name, None, opts)
        self.node_names = [node_name(args.pool_name, i) for i in range(args.pool.nodes)]
        self.nodes = []
        self.pool_resource = None
        self.status_resource = None
        if args.node_resources == "perPool":
            self.pool_resource = self._pool_resource(name, args, opts)
        else:
            child = child_options(self, opts, pulumi.ResourceOptions(ignore_changes=["status"]))
            self.nodes = [
                KubernetesObject(manifest["metadata"]["name"], manifest, child)
                for manifest in pool_nodes(args.pool_name, args.pool, args.owner, args.kwok_shards)
            ]
            self.status_resource = self._status_resource(name, args, opts)
        self.register_outputs(
            {"nodeNames": self.node_names, "gpus": args.pool.gpus, "nodes": args.pool.nodes}
        )

    def _pool_resource(
        self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None
    ) -> PoolNodes:
        child = child_options(self, opts)
        props: dict[str, Any] = {
            **_reaching_the_cluster(args, child),
            "nodeCount": args.pool.nodes,
            "node": node_template(args.pool_name, args.pool, args.owner),
            "kwokShards": args.kwok_shards,
            "deleteUnreachable": (args.connection or ClusterConnection()).delete_unreachable,
        }
        return PoolNodes(f"{name}-nodes", props, child)

    def _status_resource(
        self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None
    ) -> PoolStatus:
        after_nodes = pulumi.ResourceOptions(depends_on=list(self.nodes))
        child = child_options(self, opts, after_nodes)
        props: dict[str, Any] = {
            **_reaching_the_cluster(args, child),
            "status": node_template(args.pool_name, args.pool, args.owner)["status"],
        }
        return PoolStatus(f"{name}-status", props, child)


def _reaching_the_cluster(args: GpuNodePoolArgs, child: pulumi.ResourceOptions) -> dict[str, Any]:
    """What both pool-level resources need: which pool, whose, where and how patiently."""
    connection = args.connection or ClusterConnection()
    return {
        "poolName": args.pool_name,
        "owner": args.owner.label,
        "kubeconfig": connection.kubeconfig,
        "context": connection.context,
        "timeouts": _timeouts(child.custom_timeouts),
    }


def _timeouts(custom: pulumi.CustomTimeouts | None) -> dict[str, float | None]:
    """The resource's `custom_timeouts` in seconds, for the provider to keep: the engine
    does not hand them to a dynamic provider."""
    if custom is None:
        return {"create": None, "update": None, "delete": None}
    return {
        "create": duration_seconds(custom.create),
        "update": duration_seconds(custom.update),
        "delete": duration_seconds(custom.delete),
    }
