"""What every scheduler gives each team: a namespace of the team's name, labelled as the fleet's."""

from typing import Any

from fleet.render.demo import PART_OF_LABEL
from fleet.stack.spec import PROJECT, FleetSpec

# The label every object of the scheduler section carries, so that a reader can find them.
TEAM_LABEL = "gpu-fleet.dev/team"


def team_namespace(team: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": team, "labels": {PART_OF_LABEL: PROJECT, TEAM_LABEL: team}},
    }


def team_namespaces(spec: FleetSpec) -> list[dict[str, Any]]:
    return [team_namespace(team) for team in spec.teams]
