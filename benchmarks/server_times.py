"""When every node got its GPUs, as the API server recorded it (one list, second precision).

A watch from this process can fall behind a fleet of 10,000 nodes that is changing fast,
and then its "first seen" moments are late or missing. The server's own records are
not: a node's creation time, the time in the managed-fields entry of whoever set
`status.allocatable["nvidia.com/gpu"]`, and a ResourceSlice's creation time for DRA.
The device plugin writes each node once; a restarted plugin writes every node again,
and the entry's time moves to that write (measured at 10,000 nodes), so after a restart
the figure is the restarted plugin's.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fleet.render.dra import DRIVER
from fleet.render.nodes import GPU_RESOURCE, is_fake_node

GPU_FIELD = f"f:{GPU_RESOURCE}"


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def gpu_writer_time(node: Mapping[str, Any]) -> datetime | None:
    """When the manager that owns the node's allocatable GPUs last changed them."""
    times = [
        _time(entry["time"])
        for entry in (node.get("metadata") or {}).get("managedFields") or []
        if entry.get("time")
        and GPU_FIELD
        in ((entry.get("fieldsV1") or {}).get("f:status") or {}).get("f:allocatable", {})
    ]
    return max(times) if times else None


@dataclass(frozen=True)
class Advertised:
    """How many fake nodes offer their GPUs, and the span from the first node's creation
    to the last node's advertisement (None until some node offers)."""

    nodes: int
    offering: int
    span_s: float | None


def advertised(
    nodes: Iterable[Mapping[str, Any]], slices: Iterable[Mapping[str, Any]] | None
) -> Advertised:
    """By the device plugin (`slices` None) or by DRA (each node's first slice of the
    driver with devices)."""
    fake = [node for node in nodes if is_fake_node(node)]
    created = {n["metadata"]["name"]: _time(n["metadata"]["creationTimestamp"]) for n in fake}
    offered: dict[str, datetime] = {}
    if slices is None:
        for node in fake:
            written = gpu_writer_time(node)
            if written is not None:
                offered[node["metadata"]["name"]] = written
    else:
        for found in slices:
            spec = found.get("spec") or {}
            name = spec.get("nodeName", "")
            if spec.get("driver") == DRIVER and spec.get("devices") and name in created:
                at = _time(found["metadata"]["creationTimestamp"])
                offered[name] = min(at, offered.get(name, at))
    span = (max(offered.values()) - min(created.values())).total_seconds() if offered else None
    return Advertised(len(created), len(offered), span)


@dataclass(frozen=True)
class PodMoments:
    """A pod's creation, binding (its `PodScheduled` condition turning True) and start
    (`status.startTime`, which KWOK sets when it makes the pod Running), to the second."""

    created: datetime
    bound: datetime | None
    running: datetime | None


def pod_moments(pod: Mapping[str, Any]) -> PodMoments:
    status = pod.get("status") or {}
    scheduled = next(
        (
            _time(condition["lastTransitionTime"])
            for condition in status.get("conditions") or []
            if condition.get("type") == "PodScheduled"
            and condition.get("status") == "True"
            and condition.get("lastTransitionTime")
        ),
        None,
    )
    started = status.get("startTime") if status.get("phase") == "Running" else None
    return PodMoments(
        _time(pod["metadata"]["creationTimestamp"]),
        scheduled,
        _time(started) if started else None,
    )
