"""The reconcile: make the cluster hold exactly a pool's wanted nodes, as rendered.

One metadata-only list of the cluster's nodes, then the pool's own nodes (labelled
with its stack and pool) are compared with the wanted ones: missing nodes are
created, nodes with an older template digest or another shard label re-applied, own
nodes beyond the count deleted; every node written gets its status applied through
the status subresource too (on a new node as well: status given on create is owned by
no field manager, so a status field dropped later would otherwise stay). A node the
pool would write that another stack owns, or that nobody owns, stops the reconcile
before anything is written, naming the owner.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fleet.cluster import node_api
from fleet.reconcile.inputs import current, kwok_shards, wanted_names
from fleet.reconcile.ownership import Ownership, owner_of
from fleet.reconcile.preview import NAMES_SHOWN
from fleet.render.nodes import named


@dataclass
class Reconciled:
    """What a reconcile did so far (counted as it goes, for the error of a stopped one)."""

    created: int = 0
    reapplied: int = 0
    deleted: int = 0

    def count_created(self) -> None:
        self.created += 1

    def count_reapplied(self) -> None:
        self.reapplied += 1

    def count_deleted(self) -> None:
        self.deleted += 1


class Refused(node_api.NodeApiError):
    """Nodes this pool would write belong to someone else; nothing was written."""


def reconcile(
    api: node_api.NodeApi, props: Mapping[str, Any], owned: Ownership, done: Reconciled
) -> None:
    """Make the cluster hold exactly the pool's wanted nodes, as rendered; `done` counts."""
    control = node_api.control_of(api)
    template, shards = props["node"], kwok_shards(props)
    everything = api.nodes()
    own = owned.of(everything)
    wanted = wanted_names(props)
    foreign = [everything[n] for n in wanted if n in everything and n not in own]
    if foreign:
        owners = ", ".join(f"{m.name} (owned by {owner_of(m)})" for m in foreign[:NAMES_SHOWN])
        more = f" and {len(foreign) - NAMES_SHOWN} more" if len(foreign) > NAMES_SHOWN else ""
        raise Refused(
            f"{len(foreign)} node(s) this pool would write belong to someone else: "
            f"{owners}{more}. Nothing was written. Rename the pool, or remove that stack's "
            "pool (or those nodes) first."
        )
    missing = [n for n in wanted if n not in own]
    stale = [n for n in wanted if n in own and not current(own[n], props)]
    wanted_set = set(wanted)
    extra = [meta for name, meta in own.items() if name not in wanted_set]

    def create(name: str) -> None:
        manifest = named(template, name, shards)
        try:
            uid = api.create(manifest)
        except node_api.Exists:
            uid = _own_after_all(api, name, owned)
        api.apply_status(manifest, uid)

    def reapply(name: str) -> None:
        """Status first: the main apply writes the digest, the mark of a finished node.
        Both only to the node listed (its uid)."""
        manifest = named(template, name, shards)
        api.apply_status(manifest, own[name].uid)
        api.apply(manifest, own[name].uid)

    node_api.each(create, missing, control, "create", done.count_created)
    node_api.each(reapply, stale, control, "re-apply", done.count_reapplied)
    node_api.each(api.delete, extra, control, "delete", done.count_deleted)


def _own_after_all(api: node_api.NodeApi, name: str, owned: Ownership) -> str:
    """The uid of a node a create found already there, if it is the pool's own (this
    create's, sent again after its answer was lost); a node made by someone else since
    the list is refused, naming its owner, with nothing written to it."""
    meta = api.node(name)
    if meta is not None and owned.owns(meta):
        return meta.uid
    owner = owner_of(meta) if meta is not None else "nobody: it was deleted again"
    raise node_api.NodeApiError(
        f"node {name} was made by someone else after the pool listed the nodes (owned by "
        f"{owner}); nothing was written to it"
    )
