"""Every object the stack's scheduler section creates besides its release, in creation order."""

from typing import Any

from fleet.schedulers.kai import kai_objects
from fleet.schedulers.kueue import kueue_objects
from fleet.schedulers.teams import team_namespaces
from fleet.stack.spec import FleetSpec


def queue_objects(spec: FleetSpec) -> list[dict[str, Any]]:
    """The scheduler's queue objects; none for the default scheduler, nor before a team is
    declared (a scheduler is installed first, its teams declared later, where its webhooks
    must serve before they admit the queues)."""
    if spec.scheduler == "default" or not spec.teams:
        return []
    return kueue_objects(spec) if spec.scheduler == "kueue" else kai_objects(spec)


def scheduler_objects(spec: FleetSpec) -> list[dict[str, Any]]:
    """The teams' namespaces, then the queue objects (what `fleet manifests` prints)."""
    return [*team_namespaces(spec), *queue_objects(spec)]
