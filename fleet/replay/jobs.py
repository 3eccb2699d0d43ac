"""The Kubernetes objects a replay creates: one batch/v1 Job per trace row.

This is the scheduler-facing seam (docs/replay.md, "Another scheduler"): a Job's pods
ask for `nvidia.com/gpu` and nothing else (or, for a row whose offer is `dra`, for one
ResourceClaim made from the replay's template for that many GPUs: `claim_template`),
tolerate the KWOK taint, name their pool by
node selector or their products by node affinity, and carry KWOK's delay annotation
so that they end after the row's duration divided by the replay's speed. `JobShape`
holds what another scheduler needs to change: the scheduler's name, extra labels and
annotations on the Job (a Kueue queue name, say), and whether Jobs start suspended.
`scheduler_shape` gives the stack's scheduler's; a row with a team runs in the team's
namespace and joins the team's queue the scheduler's way (`team_additions`).

Under Kueue a row without a pool also names, by node affinity on `gpu-pool`, the pools
whose nodes can hold one of its pods, when some cannot (`fitting_pools`): Kueue admits
a job into a pool's ResourceFlavor by quota and node labels only, and would otherwise
admit a pod of 8 GPUs into a pool of 4-GPU nodes, where it can never run. kube-scheduler
and KAI place a pod only on a node that holds it; their Jobs do not need it.
"""

from dataclasses import dataclass, field
from typing import Any

from fleet.render import dra
from fleet.render.demo import KWOK_TOLERATION
from fleet.render.kwok import DELAY_ANNOTATION
from fleet.render.nodes import GPU_RESOURCE, POOL_LABEL, PRODUCT_LABEL
from fleet.schedulers import kai, kueue
from fleet.stack.spec import FleetSpec, SchedulerName
from fleet.stack.utilization import UTILIZATION_ANNOTATION
from fleet.trace.model import DRA, TraceRow

REPLAY_LABEL = "gpu-fleet.dev/replay"
TRACE_JOB_LABEL = "gpu-fleet.dev/trace-job"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
INDEX_LABEL = "batch.kubernetes.io/job-completion-index"
DEFAULT_NAMESPACE = "gpu-replay"
DEFAULT_IMAGE = "nvidia/cuda:12.4.1-base-ubuntu22.04"
PRIORITY_CLASS_PREFIX = "gpu-fleet-replay-"
CLAIM_TEMPLATE_PREFIX = "gpu-fleet-replay-gpus-"
# KAI's pod grouper makes one PodGroup per batch Job, of this many pods (1 without it).
KAI_MIN_MEMBER_ANNOTATION = "kai.scheduler/batch-min-member"
# A pod a scheduler evicts to preempt or reclaim is replaced, not counted as a failure.
IGNORE_DISRUPTION = {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}


@dataclass(frozen=True)
class PoolSize:
    """What a scheduler that does not see node sizes must be told about a pool."""

    name: str
    product: str
    gpus_per_node: int


def pool_sizes(spec: FleetSpec) -> tuple[PoolSize, ...]:
    return tuple(PoolSize(n, p.product, p.gpus_per_node) for n, p in spec.pools.items())


@dataclass(frozen=True)
class JobShape:
    """How a replay's Jobs reach a scheduler; the defaults suit the default scheduler."""

    scheduler_name: str | None = None
    job_labels: dict[str, str] = field(default_factory=dict)
    job_annotations: dict[str, str] = field(default_factory=dict)
    suspend: bool = False
    image: str = DEFAULT_IMAGE
    scheduler: SchedulerName = "default"
    """Whose queues a row's team joins (nothing for the default scheduler)."""
    gpus: bool = True
    """False: the pods ask for nothing (the lab probe's pods, `fleet.replay.probe`)."""
    pools: tuple[PoolSize, ...] = ()
    """The fleet's pools, for a scheduler that must be told which can hold a pod (Kueue)."""


def scheduler_shape(
    scheduler: SchedulerName,
    scheduler_name: str | None = None,
    pools: tuple[PoolSize, ...] = (),
) -> JobShape:
    """The Jobs a stack's scheduler takes: KAI's pods name its scheduler; Kueue's Jobs are
    created suspended, for Kueue to admit (its webhook would suspend them anyway), and
    name the `pools` that can hold their pods (`fitting_pools`)."""
    if scheduler == "kai":
        return JobShape(scheduler_name=scheduler_name or kai.SCHEDULER_NAME, scheduler="kai")
    if scheduler == "kueue":
        return JobShape(scheduler_name=scheduler_name, suspend=True, scheduler="kueue", pools=pools)
    return JobShape(scheduler_name=scheduler_name, scheduler=scheduler)


def fitting_pools(row: TraceRow, shape: JobShape) -> list[str] | None:
    """Under Kueue, for a row without a pool: the pools whose nodes hold one of its pods
    (among those of the products it names), when some pool it would take cannot; else None."""
    if shape.scheduler != "kueue" or row.pool is not None:
        return None
    wanted = [p for p in shape.pools if not row.products or p.product in row.products]
    fitting = [p.name for p in wanted if p.gpus_per_node >= row.gpus_per_pod]
    return fitting if fitting and len(fitting) < len(wanted) else None


def team_additions(row: TraceRow, shape: JobShape) -> tuple[dict[str, str], dict[str, str]]:
    """The labels and annotations a row's Job gets for its team's queue: Kueue's LocalQueue
    and workload priority class; KAI's queue, and a gang of all the job's pods."""
    if row.team is None or shape.scheduler == "default":
        return {}, {}
    if shape.scheduler == "kueue":
        return kueue.job_labels(row.team), {}
    return kai.job_labels(row.team), {KAI_MIN_MEMBER_ANNOTATION: str(row.pods)}


def job_namespace(row: TraceRow, namespace: str) -> str:
    """A row with a team runs in the team's namespace (where its queue is), else `namespace`."""
    return row.team or namespace


def priority_class_name(priority: int) -> str:
    return f"{PRIORITY_CLASS_PREFIX}{'m' if priority < 0 else ''}{abs(priority)}"


def priority_class(priority: int, replay: str) -> dict[str, Any]:
    """A PriorityClass that orders the queue but never preempts (KWOK pods cannot be evicted
    back into a trace)."""
    return {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": priority_class_name(priority), "labels": {REPLAY_LABEL: replay}},
        "value": priority,
        "preemptionPolicy": "Never",
        "description": "gpu-fleet replay: queue order of a trace's jobs, without preemption",
    }


def claim_template_name(gpus: int) -> str:
    return f"{CLAIM_TEMPLATE_PREFIX}{gpus}"


def claim_template(gpus: int, namespace: str, replay: str) -> dict[str, Any]:
    """The ResourceClaimTemplate of every replay pod that asks for `gpus` GPUs by DRA: any
    `gpus` devices of the operator's DeviceClass (the pod's pool or products select its
    node, as for `nvidia.com/gpu`). Its claims carry the replay label too."""
    labels = {REPLAY_LABEL: replay}
    metadata = {"name": claim_template_name(gpus), "namespace": namespace, "labels": labels}
    return dra.claim_template(metadata, labels, gpus)


def delay(row: TraceRow, speed: float) -> str:
    """KWOK's delay annotation: the row's duration in wall seconds (a Go duration)."""
    return f"{row.duration_s / speed:.3f}s"


def _pod_annotations(row: TraceRow, speed: float) -> dict[str, str]:
    """KWOK's delay, and the row's simulated GPU utilization when it declares one (else
    the operator's own default)."""
    annotations = {DELAY_ANNOTATION: delay(row, speed)}
    if row.utilization is not None:
        annotations[UTILIZATION_ANNOTATION] = row.utilization
    return annotations


def _placement(row: TraceRow, shape: JobShape) -> dict[str, Any]:
    if row.pool is not None:
        return {"nodeSelector": {POOL_LABEL: row.pool}}
    expressions = []
    if row.products:
        expressions.append({"key": PRODUCT_LABEL, "operator": "In", "values": list(row.products)})
    pools = fitting_pools(row, shape)
    if pools is not None:
        expressions.append({"key": POOL_LABEL, "operator": "In", "values": pools})
    if not expressions:
        return {}
    return {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": expressions}]
                }
            }
        }
    }


def job_manifest(
    row: TraceRow, namespace: str, replay: str, speed: float, shape: JobShape
) -> dict[str, Any]:
    labels = {REPLAY_LABEL: replay, TRACE_JOB_LABEL: row.job}
    container: dict[str, Any] = {"name": "job", "image": shape.image}
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "tolerations": [dict(KWOK_TOLERATION)],
        **_placement(row, shape),
        "containers": [container],
    }
    if shape.gpus and row.asks_by == DRA:
        template = claim_template_name(row.gpus_per_pod)
        container["resources"], pod_spec["resourceClaims"] = dra.pod_claim(template)
    elif shape.gpus:
        container["resources"] = {"limits": {GPU_RESOURCE: str(row.gpus_per_pod)}}
    if shape.scheduler_name:
        pod_spec["schedulerName"] = shape.scheduler_name
    if row.priority is not None:
        pod_spec["priorityClassName"] = priority_class_name(row.priority)
    team_labels, team_annotations = team_additions(row, shape)
    metadata: dict[str, Any] = {
        "name": row.job,
        "namespace": job_namespace(row, namespace),
        "labels": {**labels, **shape.job_labels, **team_labels},
    }
    if shape.job_annotations or team_annotations:
        metadata["annotations"] = {**shape.job_annotations, **team_annotations}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": {
            "parallelism": row.pods,
            "completions": row.pods,
            "completionMode": "Indexed",
            "backoffLimit": 0,
            "podFailurePolicy": {"rules": [dict(IGNORE_DISRUPTION)]},
            "suspend": shape.suspend,
            "template": {
                "metadata": {"labels": labels, "annotations": _pod_annotations(row, speed)},
                "spec": pod_spec,
            },
        },
    }
