"""KAI-Scheduler's queues for a fleet: one parent queue, a child queue per team.

KAI's queue quotas count GPUs across the cluster (per scheduling shard), not per
node type, so a team's queue gets the sum of its pool quotas as `quota`, and
`limit` = quota + `borrowingLimit` (-1, no limit, when the team has none).
`priority` is the team's: KAI gives idle GPUs to higher-priority queues first.
Pods reach a queue by the `kai.scheduler/queue` label and KAI's scheduler name.
"""

from typing import Any

from fleet.render.demo import PART_OF_LABEL
from fleet.schedulers.teams import TEAM_LABEL
from fleet.schedulers.topology import kai_topologies
from fleet.stack.spec import PROJECT, FleetSpec

API_VERSION = "scheduling.run.ai/v2"
PARENT_QUEUE = PROJECT
QUEUE_LABEL = "kai.scheduler/queue"
SCHEDULER_NAME = "kai-scheduler"
UNLIMITED = -1


def _unlimited() -> dict[str, int]:
    return {"quota": UNLIMITED, "limit": UNLIMITED, "overQuotaWeight": 1}


def _queue(name: str, spec: dict[str, Any], team: str | None = None) -> dict[str, Any]:
    labels = {PART_OF_LABEL: PROJECT, **({TEAM_LABEL: team} if team else {})}
    return {
        "apiVersion": API_VERSION,
        "kind": "Queue",
        "metadata": {"name": name, "labels": labels},
        "spec": spec,
    }


def parent_queue(spec: FleetSpec) -> dict[str, Any]:
    """The fleet's queue: every team's GPUs, cpu and memory not limited."""
    gpus = sum(team.total_quota for team in spec.teams.values())
    return _queue(
        PARENT_QUEUE,
        {
            "resources": {
                "gpu": {"quota": gpus, "limit": UNLIMITED, "overQuotaWeight": 1},
                "cpu": _unlimited(),
                "memory": _unlimited(),
            }
        },
    )


def team_queue(spec: FleetSpec, team: str) -> dict[str, Any]:
    settings = spec.teams[team]
    quota = settings.total_quota
    borrowing = settings.borrowing_limit
    limit = UNLIMITED if borrowing is None else quota + borrowing
    return _queue(
        team,
        {
            "parentQueue": PARENT_QUEUE,
            "priority": settings.priority,
            "resources": {
                "gpu": {"quota": quota, "limit": limit, "overQuotaWeight": 1},
                "cpu": _unlimited(),
                "memory": _unlimited(),
            },
        },
        team,
    )


def kai_objects(spec: FleetSpec) -> list[dict[str, Any]]:
    """The pools' Topologies, the parent queue, a queue per team."""
    teams = (team_queue(spec, team) for team in spec.teams)
    return [*kai_topologies(spec), parent_queue(spec), *teams]


def job_labels(team: str) -> dict[str, str]:
    return {QUEUE_LABEL: team}
