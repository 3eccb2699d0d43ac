"""The pods of a scenario job, as the stack's scheduler takes them.

A job is `pods` bare pods in its team's namespace (not a batch Job: KWOK's pod
stages complete a Job's pods as soon as they run, and a rehearsal job must hold
its GPUs until it ends), selecting its pool, tolerating the fake nodes' taint,
each asking for its GPUs. They form a gang the scheduler's own way:

- Kueue: a pod group (`kueue.x-k8s.io/pod-group-name` and its total count), in
  the team's LocalQueue at the team's priority class; Kueue gates the pods until
  it admits the whole group;
- KAI: a PodGroup of the job's name with `minMember` = its pods, in the team's
  queue, named by each pod's `pod-group-name` annotation; pods carry KAI's
  scheduler name. The PodGroup's priority class is KAI's preemptible `train`.
"""

from typing import Any

from fleet.render.demo import KWOK_TOLERATION, PART_OF_LABEL
from fleet.render.nodes import GPU_RESOURCE, POOL_LABEL
from fleet.schedulers import kai, kueue
from fleet.schedulers.scenarios import ScenarioJob
from fleet.schedulers.teams import TEAM_LABEL
from fleet.schedulers.topology import kai_constraint, kueue_annotations
from fleet.stack.spec import PROJECT, FleetSpec

JOB_LABEL = "gpu-fleet.dev/scenario-job"
KUEUE_GROUP_LABEL = "kueue.x-k8s.io/pod-group-name"
KUEUE_GROUP_COUNT = "kueue.x-k8s.io/pod-group-total-count"
KAI_GROUP_ANNOTATION = "pod-group-name"
KAI_PODGROUP_API = "scheduling.run.ai/v2alpha2"
KAI_PRIORITY_CLASS = "train"


def pod_name(job: ScenarioJob, index: int) -> str:
    return f"{job.name}-{index}"


def _labels(job: ScenarioJob) -> dict[str, str]:
    return {PART_OF_LABEL: PROJECT, TEAM_LABEL: job.team, JOB_LABEL: job.name}


def _pod(spec: FleetSpec, job: ScenarioJob, index: int) -> dict[str, Any]:
    labels = _labels(job)
    annotations: dict[str, str] = {}
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "tolerations": [dict(KWOK_TOLERATION)],
        "nodeSelector": {POOL_LABEL: job.pool},
        "containers": [
            {
                "name": "cuda",
                "image": spec.demo.image,
                "command": ["sleep", "infinity"],
                "resources": {"limits": {GPU_RESOURCE: str(job.gpus_per_pod)}},
            }
        ],
    }
    if spec.scheduler == "kueue":
        labels |= kueue.job_labels(job.team) | {KUEUE_GROUP_LABEL: job.name}
        annotations[KUEUE_GROUP_COUNT] = str(job.pods)
        annotations |= kueue_annotations(spec, job)
    elif spec.scheduler == "kai":
        labels |= kai.job_labels(job.team)
        annotations[KAI_GROUP_ANNOTATION] = job.name
        pod_spec["schedulerName"] = kai.SCHEDULER_NAME
    metadata: dict[str, Any] = {"name": pod_name(job, index), "namespace": job.team}
    metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec}


def _kai_pod_group(spec: FleetSpec, job: ScenarioJob) -> dict[str, Any]:
    return {
        "apiVersion": KAI_PODGROUP_API,
        "kind": "PodGroup",
        "metadata": {"name": job.name, "namespace": job.team, "labels": _labels(job)},
        "spec": {
            "minMember": job.pods,
            "queue": job.team,
            "priorityClassName": KAI_PRIORITY_CLASS,
            **kai_constraint(spec, job),
        },
    }


def job_objects(spec: FleetSpec, job: ScenarioJob) -> list[dict[str, Any]]:
    """What submitting `job` creates, in order (KAI's PodGroup before its pods)."""
    pods = [_pod(spec, job, index) for index in range(job.pods)]
    return [_kai_pod_group(spec, job), *pods] if spec.scheduler == "kai" else pods
