"""Kueue's objects for a fleet: flavors from the pools, queues from the teams.

- a ResourceFlavor per pool, selecting the pool's nodes by `gpu-pool` and their GPU
  product (`nvidia.com/gpu.product`). Kueue assigns a job only to a flavor whose node
  labels match the job's node selector and required node affinity on those label keys,
  and adds the flavor's labels to the pods it admits: a job that names a product is
  admitted only to a flavor of that product. Kueue does not see node sizes: a job whose
  pods need more GPUs than some pool's nodes have must name the pools that can hold it
  (a replay's Jobs do, `fleet.replay.jobs`);
- a ClusterQueue per team, all in one cohort: for each pool the team's quota
  (0 where it has none) as `nominalQuota` of `nvidia.com/gpu` and its
  `borrowingLimit`; a team within its quota reclaims what others borrowed
  (`reclaimWithinCohort: Any`), and within a team a higher priority preempts
  a lower one;
- a LocalQueue of the team's name in the team's namespace, pointing at its
  ClusterQueue;
- a WorkloadPriorityClass per team with the team's priority; the team's jobs
  name it in the `kueue.x-k8s.io/priority-class` label.
"""

from typing import Any

from fleet.render.demo import PART_OF_LABEL
from fleet.render.nodes import GPU_RESOURCE, POOL_LABEL, PRODUCT_LABEL
from fleet.schedulers.teams import TEAM_LABEL
from fleet.schedulers.topology import kueue_topologies, with_topology_names
from fleet.stack.spec import PROJECT, FleetSpec

API_VERSION = "kueue.x-k8s.io/v1beta2"
COHORT = PROJECT
QUEUE_LABEL = "kueue.x-k8s.io/queue-name"
PRIORITY_LABEL = "kueue.x-k8s.io/priority-class"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def priority_class_name(team: str) -> str:
    return f"{team}-priority"


def _metadata(name: str, namespace: str | None = None, team: str | None = None) -> dict[str, Any]:
    labels = {PART_OF_LABEL: PROJECT, **({TEAM_LABEL: team} if team else {})}
    metadata: dict[str, Any] = {"name": name, "labels": labels}
    if namespace is not None:
        metadata["namespace"] = namespace
    return metadata


def resource_flavors(spec: FleetSpec) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": API_VERSION,
            "kind": "ResourceFlavor",
            "metadata": _metadata(name),
            "spec": {"nodeLabels": {POOL_LABEL: name, PRODUCT_LABEL: pool.product}},
        }
        for name, pool in spec.pools.items()
    ]


def cluster_queue(spec: FleetSpec, team: str) -> dict[str, Any]:
    quota = spec.team_quota(team)
    borrowing = spec.teams[team].borrowing_limit
    flavors = []
    for pool in spec.pools:
        # Quantities as the API server keeps them (strings), so that a second `up`
        # finds nothing to change.
        resource: dict[str, Any] = {"name": GPU_RESOURCE, "nominalQuota": str(quota.get(pool, 0))}
        if borrowing is not None:
            resource["borrowingLimit"] = str(borrowing)
        flavors.append({"name": pool, "resources": [resource]})
    return {
        "apiVersion": API_VERSION,
        "kind": "ClusterQueue",
        "metadata": _metadata(team, team=team),
        "spec": {
            "cohortName": COHORT,
            # Only the team's own namespace submits to its queue.
            "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: team}},
            "resourceGroups": [{"coveredResources": [GPU_RESOURCE], "flavors": flavors}],
            "preemption": {
                "reclaimWithinCohort": "Any",
                "withinClusterQueue": "LowerPriority",
            },
        },
    }


def local_queue(team: str) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "LocalQueue",
        "metadata": _metadata(team, namespace=team, team=team),
        "spec": {"clusterQueue": team},
    }


def priority_class(spec: FleetSpec, team: str) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "WorkloadPriorityClass",
        "metadata": _metadata(priority_class_name(team), team=team),
        "value": spec.teams[team].priority,
        "description": f"jobs of team {team}",
    }


def kueue_objects(spec: FleetSpec) -> list[dict[str, Any]]:
    """The pools' Topologies and flavors, then per team its priority class, ClusterQueue and
    LocalQueue (the team's namespace comes first, from `fleet.schedulers.objects`)."""
    objects = [*kueue_topologies(spec), *with_topology_names(spec, resource_flavors(spec))]
    for team in spec.teams:
        objects += [priority_class(spec, team), cluster_queue(spec, team), local_queue(team)]
    return objects


def job_labels(team: str) -> dict[str, str]:
    """What a team's job carries to go through its LocalQueue at its team's priority."""
    return {QUEUE_LABEL: team, PRIORITY_LABEL: priority_class_name(team)}
