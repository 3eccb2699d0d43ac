"""Which listed nodes are a pool's own, and who owns those that are not."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fleet.cluster.node_api import NodeMeta
from fleet.render.nodes import OWNED_POOL_LABEL, STACK_LABEL


def owner_of(meta: NodeMeta) -> str:
    stack = meta.labels.get(STACK_LABEL)
    if stack is None:
        return "nobody (no gpu-fleet.dev/stack label)"
    return f"stack {stack}, pool {meta.labels.get(OWNED_POOL_LABEL, '?')}"


@dataclass(frozen=True)
class Ownership:
    """Which listed nodes are the pool's: labelled with its stack and pool, or (from a
    state written before ownership labels) unlabelled and named in that state."""

    owner: str
    pool: str
    legacy: frozenset[str]

    def owns(self, meta: NodeMeta) -> bool:
        labels = meta.labels
        if STACK_LABEL not in labels:
            return meta.name in self.legacy
        return labels[STACK_LABEL] == self.owner and labels.get(OWNED_POOL_LABEL) == self.pool

    def of(self, nodes: Mapping[str, NodeMeta]) -> dict[str, NodeMeta]:
        return {name: meta for name, meta in nodes.items() if self.owns(meta)}


def ownership(props: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> Ownership:
    """The pool of the inputs `props`; its unlabelled nodes are those `olds` names."""
    legacy = frozenset(str(n) for n in (olds or {}).get("nodeNames") or [])
    return Ownership(str(props["owner"]), str(props["poolName"]), legacy)


def as_recorded(props: Mapping[str, Any]) -> Ownership:
    """The pool of a state, adopting the unlabelled nodes that state names."""
    return ownership(props, props)
