"""The nodes an interrupted `pulumi up` was creating, from `pulumi stack export`.

The engine records a "creating" pending operation before it asks a provider to create
a resource, and drops it once the create is recorded. When the engine is killed in
between, the node may exist in the cluster without being in the state; the next `up`
would then fail on it (the kubernetes provider's create of an existing node fails). A
Node's provider ID is its name, so each pending Node create can be imported by
`pulumi refresh --import-pending-creates URN NAME`; a refresh reads the node back,
or drops it from the state if it was never created.
"""

from collections.abc import Iterator, Mapping
from typing import Any

NODE_TYPE = "kubernetes:core/v1:Node"
IMPORT_FLAG = "--import-pending-creates"


class NotAnExport(ValueError):
    """The document is not what `pulumi stack export` prints."""


def pending_node_creates(export: Any) -> Iterator[tuple[str, str]]:
    """(URN, node name) of every pending create of a Node in the exported state."""
    if not isinstance(export, Mapping) or not isinstance(export.get("deployment"), Mapping):
        raise NotAnExport("no `deployment` object: is this the output of `pulumi stack export`?")
    for operation in export["deployment"].get("pending_operations") or []:
        resource = operation.get("resource") or {}
        if operation.get("type") != "creating" or resource.get("type") != NODE_TYPE:
            continue
        name = ((resource.get("inputs") or {}).get("metadata") or {}).get("name")
        if isinstance(name, str) and isinstance(resource.get("urn"), str):
            yield resource["urn"], name


def import_arguments(pairs: Iterator[tuple[str, str]]) -> list[str]:
    """`--import-pending-creates URN --import-pending-creates NAME`, pair after pair
    (the flag takes one value each time and reads them as URN, ID, URN, ID, ...)."""
    arguments: list[str] = []
    for urn, name in pairs:
        arguments += [IMPORT_FLAG, urn, IMPORT_FLAG, name]
    return arguments
