"""The namespaces of a scheduler stack: the release's, and one of each team's name."""

from typing import Any

from fleet.render.demo import PART_OF_LABEL
from fleet.stack.spec import PROJECT, FleetSpec

# The label every object of the scheduler section carries, so that a reader can find them.
TEAM_LABEL = "gpu-fleet.dev/team"


def namespace(name: str, team: str | None = None) -> dict[str, Any]:
    labels = {PART_OF_LABEL: PROJECT, **({TEAM_LABEL: team} if team else {})}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def team_namespaces(spec: FleetSpec) -> list[dict[str, Any]]:
    """One per team, where its jobs run (none under the default scheduler)."""
    if spec.scheduler == "default":
        return []
    return [namespace(team, team) for team in spec.teams]
