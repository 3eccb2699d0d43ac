"""The fleet's GPU nodes as the replay sees them: name, pool, product and GPU count."""

from dataclasses import dataclass

from fleet.stack.spec import FleetSpec, node_name


@dataclass(frozen=True)
class GpuNode:
    name: str
    pool: str
    product: str
    gpus: int


def gpu_nodes(spec: FleetSpec) -> list[GpuNode]:
    return [
        GpuNode(node_name(pool_name, index), pool_name, pool.product, pool.gpus_per_node)
        for pool_name, pool in spec.pools.items()
        for index in range(pool.nodes)
    ]
