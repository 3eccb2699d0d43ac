"""The nodes an interrupted `perNode` `pulumi up` created without recording them.

The engine records a resource in the state after its provider has created it; killed
in between, it leaves nodes in the cluster that no state lists (and at most a pending
operation for them, which `pulumi refresh --clear-pending-creates` drops). The
kubernetes provider's create of such a node would then fail (`already exists`), so
they are deleted and `up` creates them again. `perPool` pools need none of this: their
resource adopts every node labelled as theirs.
"""

from collections.abc import Iterable
from typing import Any

NODE_TYPE = "kubernetes:core/v1:Node"


class NotAnExport(ValueError):
    """The document is not what `pulumi stack export` prints."""


def nodes_in_state(export: Any) -> set[str]:
    """The names of the Node resources a stack's exported state holds."""
    deployment = export.get("deployment") if isinstance(export, dict) else None
    if not isinstance(deployment, dict):
        raise NotAnExport("no `deployment` object: is this the output of `pulumi stack export`?")
    names = set()
    for resource in deployment.get("resources") or []:
        if resource.get("type") != NODE_TYPE:
            continue
        for side in ("outputs", "inputs"):
            name = ((resource.get(side) or {}).get("metadata") or {}).get("name")
            if isinstance(name, str):
                names.add(name)
                break
    return names


def orphans(owned: Iterable[str], recorded: set[str]) -> list[str]:
    """The nodes the stack owns in the cluster that its state does not hold."""
    return sorted(name for name in owned if name not in recorded)
