"""Whether the scheduler has decided that a scenario job waits, in its own words.

A job whose pods are not running may simply not have been looked at yet: right after it
is created, "nothing happened" and "the scheduler said no" look alike. A step that
expects a job to wait therefore also waits for the scheduler's own record of it:

- Kueue: the job's Workload (the one its pods belong to) has `QuotaReserved=False`
  (Kueue tried to admit it and could not, or evicted it);
- KAI: the job's PodGroup has a scheduling condition (KAI's scheduler writes one when it
  cannot place the group), or its pods an `Unschedulable` event;
- either: a pod of the job (this pod, by its uid, not an earlier one of its name) has a
  `FailedScheduling` event (admitted, but kube-scheduler found no node);
- a job whose pods the scheduler deleted (evicted to reclaim or preempt; the scenario's
  bare pods are not recreated) is decided too (`scenario_runner.evicted`).

`Decisions` holds what one read of the cluster found; `decided` says per job.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fleet.schedulers.scenarios import ScenarioJob
from fleet.schedulers.workloads import KAI_PODGROUP_API, pod_name
from lab import kube

KUEUE_WORKLOADS = ("kueue.x-k8s.io", "v1beta2", "workloads")
WAIT_EVENT_REASONS = frozenset({"FailedScheduling", "Unschedulable"})


@dataclass(frozen=True)
class Decisions:
    """What the cluster says of waiting jobs: Kueue Workloads without quota (by the pods
    they own), KAI PodGroups with a scheduling condition, pods with a waiting event."""

    unreserved_pods: frozenset[str] = field(default_factory=frozenset)
    unschedulable_groups: frozenset[str] = field(default_factory=frozenset)
    waited_pod_uids: frozenset[str] = field(default_factory=frozenset)

    def decided(self, job: ScenarioJob, pod_uids: Iterable[str]) -> bool:
        """Whether the scheduler recorded that `job` (its pods of `pod_uids`) waits."""
        pods = {pod_name(job, index) for index in range(job.pods)}
        return (
            bool(pods & self.unreserved_pods)
            or job.name in self.unschedulable_groups
            or bool(set(pod_uids) & self.waited_pod_uids)
        )


def quota_not_reserved(workload: dict[str, Any]) -> bool:
    conditions = (workload.get("status") or {}).get("conditions") or []
    return any(c["type"] == "QuotaReserved" and c["status"] == "False" for c in conditions)


def owned_pods(workload: dict[str, Any]) -> set[str]:
    owners = workload["metadata"].get("ownerReferences") or []
    return {o["name"] for o in owners if o.get("kind") == "Pod"}


def unschedulable(group: dict[str, Any]) -> bool:
    return bool((group.get("status") or {}).get("schedulingConditions"))


def read_decisions(api: Any, scheduler: str, namespaces: Iterable[str]) -> Decisions:
    """One read of the decisions in `namespaces` (a list of each kind per namespace)."""
    unreserved: set[str] = set()
    groups: set[str] = set()
    waited: set[str] = set()
    custom = kube.custom(api)
    for namespace in sorted(set(namespaces)):
        if scheduler == "kueue":
            workloads = custom.list_namespaced_custom_object(
                *KUEUE_WORKLOADS[:2], namespace, KUEUE_WORKLOADS[2]
            )
            for workload in workloads["items"]:
                if quota_not_reserved(workload):
                    unreserved |= owned_pods(workload)
        elif scheduler == "kai":
            group, version = KAI_PODGROUP_API.split("/")
            listed = custom.list_namespaced_custom_object(group, version, namespace, "podgroups")
            groups |= {g["metadata"]["name"] for g in listed["items"] if unschedulable(g)}
        events = kube.items(kube.core(api).list_namespaced_event, namespace)
        waited |= {
            e["involvedObject"].get("uid", "")
            for e in events
            if e.get("reason") in WAIT_EVENT_REASONS and e["involvedObject"].get("kind") == "Pod"
        }
    return Decisions(frozenset(unreserved), frozenset(groups), frozenset(waited))
