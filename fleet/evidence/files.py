"""The human-readable evidence files, one per question a reviewer asks of the cluster."""

from collections.abc import Callable, Iterable
from pathlib import Path

from fleet.evidence.document import Evidence
from fleet.evidence.objects import Object, labels_of, name_of, namespace_of, spec_of
from fleet.evidence.observe import event_time
from fleet.evidence.read import ClusterSnapshot
from fleet.files import files_out
from fleet.render.nodes import is_fake_node


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    """Left-aligned columns, like `kubectl get`."""
    rows = [header, *rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _ready(node: Object) -> str:
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return "Ready" if condition.get("status") == "True" else "NotReady"
    return "Unknown"


def _label_list(obj: Object) -> str:
    labels = labels_of(obj)
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items())) or "<none>"


def _or_none(value: object) -> str:
    return "<none>" if value is None or value == "" else str(value)


def nodes_text(snapshot: ClusterSnapshot) -> str:
    return _table(
        ("NAME", "STATUS", "FAKE", "LABELS"),
        (
            (name_of(node), _ready(node), "yes" if is_fake_node(node) else "no", _label_list(node))
            for node in snapshot.nodes
        ),
    )


def gpu_resources_text(evidence: Evidence) -> str:
    return _table(
        ("NAME", "POOL", "PRODUCT", "GPU CAPACITY", "GPU ALLOCATABLE"),
        (
            (
                node.name,
                _or_none(node.pool),
                _or_none(node.product),
                _or_none(node.gpu_capacity),
                _or_none(node.gpu_allocatable),
            )
            for node in evidence.nodes
        ),
    )


def pods_text(snapshot: ClusterSnapshot) -> str:
    return _table(
        ("NAMESPACE", "NAME", "PHASE", "NODE"),
        (
            (
                namespace_of(pod),
                name_of(pod),
                _or_none((pod.get("status") or {}).get("phase")),
                _or_none(spec_of(pod).get("nodeName")),
            )
            for pod in snapshot.pods
        ),
    )


def demo_pods_text(evidence: Evidence) -> str:
    return _table(
        ("WORKLOAD", "KIND", "NAME", "PHASE", "NODE"),
        (
            (pod.workload, pod.kind, pod.name, pod.phase, _or_none(pod.node))
            for pod in sorted(evidence.demo_pods, key=lambda pod: (pod.workload, pod.name))
        ),
    )


def pending_pods_text(evidence: Evidence) -> str:
    blocks = [
        f"{pod.namespace}/{pod.name}\n"
        f"  workload: {_or_none(pod.workload)}\n"
        f"  causes:   {', '.join(pod.reasons) or '<none recognised>'}\n"
        f"  FailedScheduling: {_or_none(pod.message)}\n"
        for pod in evidence.pending_pods
    ]
    return "\n".join(blocks) if blocks else "No Pending pods.\n"


def events_text(snapshot: ClusterSnapshot) -> str:
    def row(event: Object) -> tuple[str, ...]:
        target = event.get("involvedObject") or {}
        return (
            event_time(event).isoformat(),
            namespace_of(event),
            f"{target.get('kind', '')}/{target.get('name', '')}",
            _or_none(event.get("type")),
            _or_none(event.get("reason")),
            " ".join(str(event.get("message") or "").split()),
        )

    ordered = sorted(snapshot.events, key=event_time)
    return _table(("TIME", "NAMESPACE", "OBJECT", "TYPE", "REASON", "MESSAGE"), map(row, ordered))


def versions_text(evidence: Evidence) -> str:
    versions = evidence.versions
    lines = [
        f"Kubernetes server:        {_or_none(versions.kubernetes)}",
        f"KWOK controller images:   {', '.join(versions.kwok_controller_images) or '<not found>'}",
        f"fake-gpu-operator charts: {', '.join(versions.operator_charts) or '<not found>'}",
        "fake-gpu-operator images:",
        *(f"  {image}" for image in versions.operator_images or ["<not found>"]),
    ]
    return "\n".join(lines) + "\n"


FILES: dict[str, Callable[[ClusterSnapshot, Evidence], str]] = {
    "nodes.txt": lambda snapshot, _: nodes_text(snapshot),
    "gpu-resources.txt": lambda _, evidence: gpu_resources_text(evidence),
    "pods.txt": lambda snapshot, _: pods_text(snapshot),
    "demo-pods.txt": lambda _, evidence: demo_pods_text(evidence),
    "pending-pods.txt": lambda _, evidence: pending_pods_text(evidence),
    "events.txt": lambda snapshot, _: events_text(snapshot),
    "versions.txt": lambda _, evidence: versions_text(evidence),
}


def resource_slices_text(evidence: Evidence) -> str:
    return _table(
        ("NAME", "NODE", "POOL", "DEVICES", "PRODUCTS", "MEMORY (MiB)"),
        (
            (
                item.name,
                _or_none(item.node),
                item.pool,
                str(item.devices),
                ", ".join(item.products) or "<none>",
                ", ".join(sorted({_or_none(mib) for mib in item.memory_mib})) or "<none>",
            )
            for item in evidence.device_slices
        ),
    )


def resource_claims_text(evidence: Evidence) -> str:
    return _table(
        ("NAMESPACE", "NAME", "WORKLOAD", "ALLOCATED", "POOLS", "PRODUCTS"),
        (
            (
                claim.namespace,
                claim.name,
                claim.workload,
                "yes" if claim.allocated else "no",
                ", ".join(claim.pools) or "<none>",
                ", ".join(claim.products) or "<none>",
            )
            for claim in sorted(
                evidence.demo_claims, key=lambda claim: (claim.workload, claim.name)
            )
        ),
    )


# Written when the stack offers DRA (the snapshot then holds its lists).
DRA_FILES: dict[str, Callable[[Evidence], str]] = {
    "resource-slices.txt": resource_slices_text,
    "resource-claims.txt": resource_claims_text,
}


def write_text_files(directory: Path, snapshot: ClusterSnapshot, evidence: Evidence) -> list[Path]:
    written = []
    renders = dict(FILES)
    if snapshot.resource_slices is not None:
        renders |= {name: _evidence_only(render) for name, render in DRA_FILES.items()}
    for name, render in renders.items():
        path = directory / name
        files_out.write_text(path, render(snapshot, evidence))
        written.append(path)
    return written


def _evidence_only(
    render: Callable[[Evidence], str],
) -> Callable[[ClusterSnapshot, Evidence], str]:
    return lambda _, evidence: render(evidence)
