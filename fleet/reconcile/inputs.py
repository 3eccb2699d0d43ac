"""A pool resource's inputs as the engine's wire carries them (numbers as floats, a
state from before `nodeCount` holding `nodeNames`), and whether a listed node is
current with them."""

from collections.abc import Mapping
from typing import Any

from fleet.cluster.node_api import NodeMeta
from fleet.render.nodes import TEMPLATE_ANNOTATION
from fleet.render.shards import SHARD_LABEL, shard_of
from fleet.stack.spec import node_name

# A change to either replaces the pool: its nodes are deleted through the old
# connection before they are created through the new one.
CONNECTION_KEYS = ("kubeconfig", "context")
# What an update compares, besides the connection.
CONTENT_KEYS = ("poolName", "owner", "nodeCount", "node", "kwokShards")


def node_count(props: Mapping[str, Any]) -> int:
    """Pulumi's wire format carries numbers as floats."""
    return int(props.get("nodeCount") or 0)


def wanted_names(props: Mapping[str, Any]) -> list[str]:
    return [node_name(str(props["poolName"]), i) for i in range(node_count(props))]


def kwok_shards(props: Mapping[str, Any]) -> int:
    return int(props.get("kwokShards") or 1)


def old_wanted(olds: Mapping[str, Any]) -> list[str]:
    """The nodes the state says exist: `nodeNames` in a state from before `nodeCount`."""
    if "nodeCount" in olds:
        return wanted_names(olds)
    return [str(name) for name in olds.get("nodeNames") or []]


def digest(props: Mapping[str, Any]) -> str:
    return str(
        ((props.get("node") or {}).get("metadata") or {})
        .get("annotations", {})
        .get(TEMPLATE_ANNOTATION, "")
    )


def current(meta: NodeMeta, props: Mapping[str, Any]) -> bool:
    """Whether an own node carries the pool's template and its wanted KWOK shard, its
    status applied by the pool (a node whose create stopped between its two applies,
    or made before the pool applied status at create, is not)."""
    return (
        meta.status_applied
        and meta.annotations.get(TEMPLATE_ANNOTATION) == digest(props)
        and meta.labels.get(SHARD_LABEL) == str(shard_of(meta.name, kwok_shards(props)))
    )
