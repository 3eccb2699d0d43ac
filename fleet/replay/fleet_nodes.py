"""The fleet's GPU nodes as the replay sees them: name, pool, product, GPU count, and how
the node offers its GPUs; and the trace's rows with the stack's offer filled in.

A node offers its GPUs as `nvidia.com/gpu` (the device plugin) or as DRA devices (one
ResourceSlice per node, one device per GPU). A stack offering both offers every fake
GPU twice, and the scheduler counts the two apart, so such a node appears twice here,
once per offer (as `fleet.demo.expect` counts them).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from fleet.stack.spec import FleetSpec, node_name
from fleet.trace.model import DEVICE_PLUGIN, DRA, PodOffer, TraceRow

# The nodes a pod's filters treat alike: (pool, offer).
Group = tuple[str, PodOffer]


@dataclass(frozen=True)
class GpuNode:
    name: str
    pool: str
    product: str
    gpus: int
    offer: PodOffer = DEVICE_PLUGIN

    @property
    def group(self) -> Group:
        return (self.pool, self.offer)


def offers(spec: FleetSpec) -> tuple[PodOffer, ...]:
    """How the stack's nodes offer GPUs, the device plugin first."""
    return tuple(
        offer
        for offer, offered in ((DEVICE_PLUGIN, spec.offers_device_plugin), (DRA, spec.offers_dra))
        if offered
    )


def gpu_nodes(spec: FleetSpec) -> list[GpuNode]:
    """In declaration order (pools in order, nodes by index), each node once per offer."""
    return [
        GpuNode(node_name(pool_name, index), pool_name, pool.product, pool.gpus_per_node, offer)
        for pool_name, pool in spec.pools.items()
        for index in range(pool.nodes)
        for offer in offers(spec)
    ]


def for_stack(rows: Sequence[TraceRow], spec: FleetSpec) -> list[TraceRow]:
    """The rows with an empty `offer` given the stack's: the device plugin, or a DRA claim
    on a stack that offers GPUs by DRA only."""
    default = offers(spec)[0]
    return [
        row if row.offer is not None else row.model_copy(update={"offer": default}) for row in rows
    ]


def node_gpus(nodes: Sequence[GpuNode]) -> dict[str, int]:
    """GPUs per node name; a node offering GPUs both ways counts them all."""
    totals: dict[str, int] = {}
    for node in nodes:
        totals[node.name] = totals.get(node.name, 0) + node.gpus
    return totals
