"""When each fake node became Ready and got its GPUs, and when each demo pod ran, seen
through watches (one stream per kind, raw JSON, times from this process's clock).

A watch costs the API server one stream, whatever the fleet's size, where polling would
list 10,000 nodes again and again. At 10,000 nodes the benchmark's watches fell behind
and lost updates, so the GPU and pod figures come from the API server's records
(`benchmarks.server_times`); the watches still time the nodes' readiness and tell the
waits when to look.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from fleet.render.dra import DRIVER
from fleet.render.nodes import GPU_RESOURCE, is_fake_node

ListCall = Callable[..., Any]


def node_is_ready(node: dict[str, Any]) -> bool:
    conditions = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _gpus(node: dict[str, Any]) -> int:
    return int(((node.get("status") or {}).get("allocatable") or {}).get(GPU_RESOURCE, "0"))


@dataclass
class FleetTimes:
    """First moments seen, per node and per pod (monotonic seconds)."""

    node_added: dict[str, float] = field(default_factory=dict)
    node_ready: dict[str, float] = field(default_factory=dict)
    # Nodes seen not Ready after they had been Ready (heartbeats late), first moment.
    node_lost_ready: dict[str, float] = field(default_factory=dict)
    ready_now: dict[str, bool] = field(default_factory=dict)
    node_gpus: dict[str, float] = field(default_factory=dict)
    node_slice: dict[str, float] = field(default_factory=dict)
    pod_running: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ready_count(self) -> int:
        with self.lock:
            return sum(self.ready_now.values())


class FleetWatch:
    """Watches nodes, the demo's pods and (for DRA) ResourceSlices until `stop()`."""

    def __init__(self, api: Any, namespace: str, slices: bool) -> None:
        self.api = api
        self.times = FleetTimes()
        self._stopped = threading.Event()
        self._watches: list[watch.Watch] = []
        core = client.CoreV1Api(api)
        streams: list[tuple[ListCall, tuple[Any, ...], Callable[[dict[str, Any], float], None]]] = [
            (core.list_node, (), self._node),
            (core.list_namespaced_pod, (namespace,), self._pod),
        ]
        if slices:
            resource = client.ResourceV1Api(api)
            streams.append((resource.list_resource_slice, (), self._slice))
        self._threads = [
            threading.Thread(target=self._follow, args=stream, daemon=True) for stream in streams
        ]

    def start(self) -> "FleetWatch":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        for stream in self._watches:
            stream.stop()  # type: ignore[no-untyped-call]

    def _follow(
        self, call: ListCall, args: tuple[Any, ...], seen: Callable[[dict[str, Any], float], None]
    ) -> None:
        """Follow one kind until stopped. A broken stream, or one whose resource version
        expired (an ERROR event, which the client's raw mode reports as a KeyError), is
        opened again from a fresh list: its first events repeat objects already seen,
        which changes no first moment."""
        while not self._stopped.is_set():
            stream = watch.Watch()  # type: ignore[no-untyped-call]
            self._watches.append(stream)
            try:
                events = stream.stream(  # type: ignore[no-untyped-call]
                    call, *args, deserialize=False, timeout_seconds=300
                )
                for event in events:
                    if event["type"] in ("ADDED", "MODIFIED"):
                        seen(event["object"], time.monotonic())
            except (ApiException, HTTPError, OSError, ValueError, KeyError):
                self._stopped.wait(1.0)

    def _node(self, node: dict[str, Any], now: float) -> None:
        if not is_fake_node(node):
            return
        name = node["metadata"]["name"]
        times = self.times
        with times.lock:
            times.node_added.setdefault(name, now)
            ready = node_is_ready(node)
            times.ready_now[name] = ready
            if ready:
                times.node_ready.setdefault(name, now)
            elif name in times.node_ready:
                times.node_lost_ready.setdefault(name, now)
            if _gpus(node) > 0:
                times.node_gpus.setdefault(name, now)

    def _slice(self, found: dict[str, Any], now: float) -> None:
        spec = found.get("spec") or {}
        if spec.get("driver") == DRIVER and spec.get("devices"):
            with self.times.lock:
                self.times.node_slice.setdefault(spec.get("nodeName", ""), now)

    def _pod(self, pod: dict[str, Any], now: float) -> None:
        name = pod["metadata"]["name"]
        times = self.times
        with times.lock:
            if (pod.get("status") or {}).get("phase") == "Running":
                times.pod_running.setdefault(name, now)
