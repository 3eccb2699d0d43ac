"""The observed timeline: each replay pod's created, bound, running and finished times,
as a watch on the replay's pods sees them (client clock, sub-second), and the
pod runs they give in trace time.

The API server's own timestamps have one-second resolution, a minute of trace time
at `--speed 60`; the watch's arrival times do better. A watch delivers every change
of a pod; after a relist (the watch's version expired) a pod first seen finished is
counted as running from then, so nothing is left without a time. A pod deleted before
it finished (evicted by a scheduler to preempt or reclaim its GPUs) ends then, as
`Deleted`; its Job replaces it with a pod of the same index.
"""

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from fleet.replay.fleet_nodes import GpuNode
from fleet.replay.jobs import INDEX_LABEL, JOB_NAME_LABEL
from fleet.replay.runs import PodRun
from fleet.trace.model import TraceRow

WATCH_SECONDS = 5
HTTP_GONE = 410
FINISHED = ("Succeeded", "Failed")
DELETED = "Deleted"


@dataclass(frozen=True)
class PodTimes:
    """Wall seconds since the replay started at which the pod was first seen in each state."""

    name: str
    job: str
    index: int
    created: float
    node: str | None = None
    bound: float | None = None
    running: float | None = None
    finished: float | None = None
    phase: str = "Pending"


class PodWatch:
    """Watches the replay's pods from a thread and keeps their first times per state."""

    def __init__(
        self, api: client.ApiClient, namespaces: Sequence[str], selector: str, started: float
    ):
        self.api = api
        self.core = client.CoreV1Api(api)
        self.namespaces = list(namespaces)
        self.selector = selector
        self.started = started
        self.pods: dict[str, PodTimes] = {}
        self.lock = threading.Lock()
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pod-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=WATCH_SECONDS * 3)

    def counts(self) -> dict[str, int]:
        with self.lock:
            pods = list(self.pods.values())
        return {
            "created": len(pods),
            "running": sum(1 for p in pods if p.running is not None and p.finished is None),
            "waiting": sum(1 for p in pods if p.running is None and p.finished is None),
            "finished": sum(1 for p in pods if p.finished is not None),
            "failed": sum(1 for p in pods if p.phase == "Failed"),
        }

    def snapshot(self) -> list[PodTimes]:
        with self.lock:
            return list(self.pods.values())

    def _run(self) -> None:
        try:
            version = self._list()
            while not self._stop.is_set():
                version = self._watch(version)
        except Exception as error:
            self.error = error

    def _lister(self) -> tuple[Any, tuple[str, ...]]:
        """One namespace's pods (a user may see only that one), or every namespace's."""
        if len(self.namespaces) == 1:
            return self.core.list_namespaced_pod, (self.namespaces[0],)
        return self.core.list_pod_for_all_namespaces, ()

    def _list(self) -> str:
        lister, where = self._lister()
        pods = lister(*where, label_selector=self.selector)
        document = self.api.sanitize_for_serialization(pods)  # type: ignore[no-untyped-call]
        for pod in document.get("items") or []:
            self.see(pod)
        return str(document["metadata"]["resourceVersion"])

    def _watch(self, version: str) -> str:
        """Watch for `WATCH_SECONDS` from `version`; the version to go on from (after a
        relist when the API server no longer has `version`)."""
        lister, where = self._lister()
        stream = watch.Watch().stream(  # type: ignore[no-untyped-call]
            lister,
            *where,
            label_selector=self.selector,
            resource_version=version,
            allow_watch_bookmarks=True,
            timeout_seconds=WATCH_SECONDS,
            deserialize=False,
        )
        try:
            for event in stream:
                pod = event.get("object") or {}
                version = pod.get("metadata", {}).get("resourceVersion", version)
                if event.get("type") in ("ADDED", "MODIFIED"):
                    self.see(pod)
                elif event.get("type") == "DELETED":
                    self.see(pod, deleted=True)
        except ApiException as error:
            if error.status != HTTP_GONE:
                raise
            return self._list()
        return version

    def see(self, pod: Mapping[str, Any], deleted: bool = False) -> None:
        now = time.monotonic() - self.started
        metadata = pod.get("metadata") or {}
        labels = metadata.get("labels") or {}
        name = f"{metadata.get('namespace')}/{metadata.get('name')}"
        node = (pod.get("spec") or {}).get("nodeName")
        phase = str((pod.get("status") or {}).get("phase") or "Pending")
        with self.lock:
            times = self.pods.get(name) or PodTimes(
                name, str(labels.get(JOB_NAME_LABEL, "")), int(labels.get(INDEX_LABEL, 0)), now
            )
            if node and times.bound is None:
                times = replace(times, node=node, bound=now)
            if phase == "Running" and times.running is None:
                times = replace(times, running=now)
            if phase in FINISHED and times.finished is None:
                times = replace(times, finished=now, running=times.running or now)
            if deleted and times.finished is None:
                times, phase = replace(times, finished=now), DELETED
            self.pods[name] = replace(times, phase=phase)


def observed_runs(
    rows: Sequence[TraceRow], nodes: Sequence[GpuNode], pods: Sequence[PodTimes], speed: float
) -> list[PodRun]:
    """One run per pod of the trace, in trace seconds (a pod never seen never started), and
    one per pod deleted while it ran (`evicted`: it held GPUs; its replacement, if any yet,
    is the run)."""
    pool_of = {node.name: node.pool for node in nodes}
    incarnations: dict[tuple[str, int], list[PodTimes]] = {}
    for times in sorted(pods, key=lambda times: times.created):
        incarnations.setdefault((times.job, times.index), []).append(times)

    def run_of(row: TraceRow, index: int, times: PodTimes | None) -> PodRun:
        run = PodRun(job=row.job, index=index, gpus=row.gpus_per_pod, arrival_s=row.arrival_s)
        if times is None or times.running is None:
            return run
        return replace(
            run,
            start_s=times.running * speed,
            end_s=None if times.finished is None else times.finished * speed,
            node=times.node,
            pool=pool_of.get(times.node or ""),
            created_s=times.created * speed,
            bound_s=None if times.bound is None else times.bound * speed,
        )

    runs = []
    for row in rows:
        for index in range(row.pods):
            seen = incarnations.get((row.job, index), [])
            for times in seen:
                if times.phase == DELETED and times.running is not None:
                    runs.append(replace(run_of(row, index, times), evicted=True))
            kept = [times for times in seen if times.phase != DELETED]
            runs.append(run_of(row, index, kept[-1] if kept else None))
    return runs
