"""Figures observed in a cluster snapshot: GPUs per node, demo outcome, Pending causes, versions."""

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from fleet.demo.outcome import (
    DEMO_WORKLOAD_LABEL,
    FleetOutcome,
    WorkloadKind,
    WorkloadOutcome,
    reasons_named,
)
from fleet.evidence.document import DemoPod, Evidence, NodeGpus, PendingPod, Versions
from fleet.evidence.objects import Object, labels_of, meta, name_of, namespace_of, spec_of
from fleet.evidence.observe_dra import demo_claims, device_slices
from fleet.evidence.read import ClusterSnapshot
from fleet.render.nodes import GPU_RESOURCE, POOL_LABEL, PRODUCT_LABEL, is_fake_node
from fleet.stack.spec import ExistingClusterSpec, FleetSpec

KWOK_CONTROLLER = "kwok-controller"
HELM_CHART_LABEL = "helm.sh/chart"
_EPOCH = datetime.min.replace(tzinfo=UTC)


def _gpu_count(resources: dict[str, str] | None) -> int | None:
    value = (resources or {}).get(GPU_RESOURCE)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def gpu_writer(node: Object) -> str | None:
    """The field manager that last set `status.capacity[nvidia.com/gpu]`, if any."""
    writers = [
        entry
        for entry in meta(node).get("managedFields") or []
        if f"f:{GPU_RESOURCE}"
        in ((entry.get("fieldsV1") or {}).get("f:status") or {}).get("f:capacity", {})
    ]
    latest = max(writers, key=lambda entry: entry.get("time") or "", default=None)
    return None if latest is None else str(latest.get("manager") or "") or None


def node_gpus(node: Object) -> NodeGpus:
    status = node.get("status") or {}
    labels = labels_of(node)
    return NodeGpus(
        name=name_of(node),
        fake=is_fake_node(node),
        pool=labels.get(POOL_LABEL),
        product=labels.get(PRODUCT_LABEL),
        gpu_capacity=_gpu_count(status.get("capacity")),
        gpu_allocatable=_gpu_count(status.get("allocatable")),
        gpu_advertised_by=gpu_writer(node),
    )


def event_time(event: Object) -> datetime:
    """When an event last happened; events.k8s.io writers leave lastTimestamp empty."""
    for stamp in (
        event.get("lastTimestamp"),
        event.get("eventTime"),
        event.get("firstTimestamp"),
        meta(event).get("creationTimestamp"),
    ):
        if stamp:
            try:
                moment = datetime.fromisoformat(stamp)
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return _EPOCH


def reasons_in(message: str) -> tuple[str, ...]:
    """The known Pending causes a FailedScheduling message names (preemption notes ignored)."""
    filters, _, _ = message.partition("preemption:")
    return reasons_named(filters)


def _failed_scheduling(events: list[Object]) -> dict[tuple[str, str], list[Object]]:
    """FailedScheduling events of pods, keyed by the pod's (namespace, name)."""
    found: dict[tuple[str, str], list[Object]] = defaultdict(list)
    for event in events:
        target = event.get("involvedObject") or {}
        if event.get("reason") == "FailedScheduling" and target.get("kind") == "Pod":
            found[(target.get("namespace", ""), target.get("name", ""))].append(event)
    return found


def _latest_of(pod: Object, events: list[Object]) -> Object | None:
    """The pod's newest event, leaving out those of an earlier pod with the same name."""
    uid = meta(pod).get("uid")
    own = [e for e in events if (e.get("involvedObject") or {}).get("uid") in (None, uid)]
    return max(own, key=event_time, default=None)


def _phase(pod: Object) -> str:
    return str((pod.get("status") or {}).get("phase") or "Unknown")


def pending_pods(snapshot: ClusterSnapshot) -> list[PendingPod]:
    """Every Pending pod in the cluster, with the causes its latest FailedScheduling event names."""
    events = _failed_scheduling(snapshot.events)
    found = []
    for pod in snapshot.pods:
        if _phase(pod) != "Pending" or meta(pod).get("deletionTimestamp"):
            continue
        namespace, name = namespace_of(pod), name_of(pod)
        event = _latest_of(pod, events.get((namespace, name), []))
        message = event.get("message") if event else None
        found.append(
            PendingPod(
                namespace=namespace,
                name=name,
                workload=labels_of(pod).get(DEMO_WORKLOAD_LABEL),
                reasons=list(reasons_in(message or "")),
                message=message,
            )
        )
    return found


def demo_pods(snapshot: ClusterSnapshot, namespace: str) -> list[DemoPod]:
    """Pods of the demo namespace that carry the demo label (terminating pods left out)."""
    return [
        DemoPod(
            name=name_of(pod),
            workload=labels_of(pod)[DEMO_WORKLOAD_LABEL],
            kind=_workload_kind(pod),
            phase=_phase(pod),
            node=spec_of(pod).get("nodeName"),
        )
        for pod in snapshot.pods
        if meta(pod).get("namespace") == namespace
        and DEMO_WORKLOAD_LABEL in labels_of(pod)
        and not meta(pod).get("deletionTimestamp")
    ]


def _workload_kind(pod: Object) -> WorkloadKind:
    owners = meta(pod).get("ownerReferences") or []
    return "Deployment" if any(owner.get("kind") == "ReplicaSet" for owner in owners) else "Pod"


def observed_outcome(
    namespace: str, pods: list[DemoPod], pending: list[PendingPod]
) -> FleetOutcome:
    """Running and Pending demo pods per workload, with the causes their events name."""
    reasons: dict[str, set[str]] = defaultdict(set)
    for pod in pending:
        if pod.namespace == namespace and pod.workload is not None:
            reasons[pod.workload].update(pod.reasons)
    workloads = []
    for workload in sorted({pod.workload for pod in pods}):
        members = [pod for pod in pods if pod.workload == workload]
        phases = [pod.phase for pod in members]
        workloads.append(
            WorkloadOutcome(
                name=workload,
                kind="Deployment" if any(pod.kind == "Deployment" for pod in members) else "Pod",
                running=phases.count("Running"),
                pending=phases.count("Pending"),
                reasons=reasons_named(reasons[workload]),
            )
        )
    return FleetOutcome(workloads=tuple(workloads))


def _images(workload: Object) -> list[str]:
    containers = spec_of(spec_of(workload).get("template") or {}).get("containers") or []
    return [str(container.get("image")) for container in containers if container.get("image")]


def component_versions(snapshot: ClusterSnapshot, operator_namespace: str) -> Versions:
    """Kubernetes, the KWOK controller's image and the operator's chart label and images."""
    kwok = [d for d in snapshot.deployments if meta(d).get("name") == KWOK_CONTROLLER]
    operator = [
        workload
        for workload in [*snapshot.deployments, *snapshot.daemonsets]
        if meta(workload).get("namespace") == operator_namespace
    ]
    return Versions(
        kubernetes=snapshot.version.get("gitVersion"),
        kwok_controller_images=sorted({image for d in kwok for image in _images(d)}),
        operator_charts=sorted(
            {labels_of(w)[HELM_CHART_LABEL] for w in operator if HELM_CHART_LABEL in labels_of(w)}
        ),
        operator_images=sorted({image for w in operator for image in _images(w)}),
    )


INLINE_KUBECONFIG = "(an inline kubeconfig: credentials, not recorded)"


def recorded_spec(spec: FleetSpec) -> dict[str, Any]:
    """The spec as evidence keeps it: an inline kubeconfig's text (the cluster's
    credentials) is replaced by a note, so that evidence can be shared."""
    recorded = spec.model_dump(mode="json", by_alias=True)
    if isinstance(spec.cluster, ExistingClusterSpec) and spec.cluster.inline_kubeconfig:
        recorded["cluster"]["kubeconfig"] = INLINE_KUBECONFIG
    return recorded


def build_evidence(
    snapshot: ClusterSnapshot, spec: FleetSpec, stack_file: str, captured_at: datetime
) -> Evidence:
    pending = pending_pods(snapshot)
    pods = demo_pods(snapshot, spec.demo.namespace)
    slices = snapshot.resource_slices or []
    return Evidence(
        captured_at=captured_at,
        stack_file=stack_file,
        spec=recorded_spec(spec),
        api_requests=snapshot.requests,
        versions=component_versions(snapshot, spec.operator.namespace),
        nodes=[node_gpus(node) for node in snapshot.nodes],
        demo_pods=pods,
        pending_pods=pending,
        observed=observed_outcome(spec.demo.namespace, pods, pending),
        device_slices=device_slices(slices),
        demo_claims=demo_claims(snapshot.resource_claims or [], slices, spec.demo.namespace),
    )
