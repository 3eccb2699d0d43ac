"""A node's topology labels (docs/fleet.md, "Topology"): its block, its rack and its
NVLink domain, derived from its pool's topology and its index.

The pool's node template carries the topology as an annotation (`TOPOLOGY_ANNOTATION`,
compact JSON), so that every writer of nodes, the pool-level resource's provider
included, derives the same labels from the template and the node's name alone, and so
that a changed topology changes the template's digest (its nodes are re-applied).
"""

import json
import uuid
from functools import lru_cache
from typing import Any

from fleet.stack.spec import CLIQUE_LABEL, PoolSpec

TOPOLOGY_ANNOTATION = "gpu-fleet.dev/topology"
# GPU Feature Discovery labels an NVLink partition `<cluster UUID>.<clique id>`; a fake
# rack is one NVLink fabric (its own cluster UUID) with one partition.
CLIQUE_ID = 1
_CLIQUE_NAMESPACE = uuid.UUID("6f1d4c1e-3b8a-5d2e-9c47-0a5b2e8f7d13")


def rack_value(pool_name: str, rack: int) -> str:
    return f"{pool_name}-rack{rack}"


def block_value(pool_name: str, block: int) -> str:
    return f"{pool_name}-block{block}"


def clique_value(owner_label: str, pool_name: str, rack: int) -> str:
    """The rack's NVLink partition: a cluster UUID stable per stack, pool and rack."""
    cluster = uuid.uuid5(_CLIQUE_NAMESPACE, f"{owner_label}/{pool_name}/{rack}")
    return f"{cluster}.{CLIQUE_ID}"


def topology_annotation(pool_name: str, pool: PoolSpec, owner_label: str) -> str | None:
    """What the pool's node template carries of its topology; None without one."""
    topology = pool.topology
    if topology is None:
        return None
    document = {
        "pool": pool_name,
        "nodesPerRack": topology.nodes_per_rack,
        "racksPerBlock": topology.racks_per_block,
        "block": topology.levels.block if topology.racks_per_block is not None else None,
        "rack": topology.levels.rack,
        "clique": owner_label if topology.has_nvlink_domains else None,
    }
    return json.dumps(document, separators=(",", ":"))


@lru_cache(maxsize=64)
def _document(annotation: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(annotation)
    return document


def node_index(name: str) -> int:
    """The index of node `kwok-gpu-<pool>-<i>`."""
    return int(name.rsplit("-", 1)[1])


def topology_labels(annotation: str | None, name: str) -> dict[str, str]:
    """The block, rack and NVLink labels of node `name` of a template with `annotation`."""
    if annotation is None:
        return {}
    document = _document(annotation)
    pool = str(document["pool"])
    rack = node_index(name) // int(document["nodesPerRack"])
    labels = {str(document["rack"]): rack_value(pool, rack)}
    if document["block"] is not None:
        labels[str(document["block"])] = block_value(pool, rack // int(document["racksPerBlock"]))
    if document["clique"] is not None:
        labels[CLIQUE_LABEL] = clique_value(str(document["clique"]), pool, rack)
    return labels
