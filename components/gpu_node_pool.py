"""One pool of KWOK fake GPU nodes."""

from dataclasses import dataclass

import pulumi

from components.kube_object import KubernetesObject
from components.options import child_options
from fleet.render.nodes import pool_nodes
from fleet.stack.spec import PoolSpec


@dataclass(frozen=True)
class GpuNodePoolArgs:
    pool_name: str
    pool: PoolSpec


class GpuNodePool(pulumi.ComponentResource):
    """The pool's nodes, each a resource named after its node, so that a diff names them.

    A node's `status` is sent once, on create: the API server keeps status given on
    create and ignores it on update, and from then on KWOK and the operator own it
    (KWOK fills in nodeInfo, the operator adds `nvidia.com/gpu`). Pulumi is told to
    ignore later changes to it; otherwise, after a `pulumi refresh` had read KWOK's
    values back, every later `up` would plan an update of every node that can never
    take effect.
    """

    nodes: list[KubernetesObject]
    node_names: list[str]

    def __init__(
        self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:GpuNodePool", name, None, opts)
        child = child_options(self, opts, pulumi.ResourceOptions(ignore_changes=["status"]))
        manifests = list(pool_nodes(args.pool_name, args.pool))
        self.node_names = [manifest["metadata"]["name"] for manifest in manifests]
        self.nodes = [
            KubernetesObject(node_name, manifest, child)
            for node_name, manifest in zip(self.node_names, manifests, strict=True)
        ]
        self.register_outputs(
            {"nodeNames": self.node_names, "gpus": args.pool.gpus, "nodes": args.pool.nodes}
        )
