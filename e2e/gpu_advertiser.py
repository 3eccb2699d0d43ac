"""STAND-IN for run.ai's fake-gpu-operator: advertises `nvidia.com/gpu` on fake nodes.

The real operator cannot be built here (the Go module proxy refuses
github.com/run-ai/fake-gpu-operator, see e2e/pins.py), and no image can be pulled.
This stand-in does only the part the scheduling demo depends on, the way the
operator's kwok-gpu-device-plugin does it (REFERENCE §4): it reads the topology
values the product renders for the chart (`fleet.operator_values.topology_values`)
and merge-patches the status subresource of every node that is annotated
`kwok.x-k8s.io/node: fake` and labelled with a known pool under
`topology.nodePoolLabelKey`, setting `nvidia.com/gpu` capacity and allocatable to
the pool's `gpuCount`. A node whose pool label names no pool is left alone.

It polls, so nodes created later (a pool that grows) are advertised too, and it
re-applies a count that something else removed. Nothing else of the operator
(topology ConfigMaps, exporters, MIG) is imitated.
"""

import threading
from collections.abc import Mapping
from typing import Any

from e2e import kube
from fleet.nodes import GPU_RESOURCE, is_fake_node

NAME = "gpu-advertiser (STAND-IN for fake-gpu-operator)"
POLL_SECONDS = 1.0


def wanted_gpus(node: Mapping[str, Any], topology: Mapping[str, Any]) -> int | None:
    """The GPU count the operator would advertise on `node`, or None if it ignores it."""
    if not is_fake_node(node):
        return None
    pool = (node["metadata"].get("labels") or {}).get(topology["nodePoolLabelKey"])
    pools: Mapping[str, Any] = topology.get("nodePools", {})
    if not isinstance(pool, str) or pool not in pools:
        return None
    return int(pools[pool]["gpuCount"])


def gpu_patch(count: int) -> dict[str, Any]:
    quantity = {GPU_RESOURCE: str(count)}
    return {"status": {"capacity": quantity, "allocatable": dict(quantity)}}


def advertised(node: Mapping[str, Any]) -> tuple[str | None, str | None]:
    status = node.get("status", {})
    return (
        (status.get("capacity") or {}).get(GPU_RESOURCE),
        (status.get("allocatable") or {}).get(GPU_RESOURCE),
    )


class GpuAdvertiser(threading.Thread):
    """Background thread: keeps `nvidia.com/gpu` on every matching node until stopped."""

    def __init__(self, api: Any, topology: Mapping[str, Any]) -> None:
        super().__init__(name="gpu-advertiser-stand-in", daemon=True)
        self._core = kube.core(api)
        self._topology = topology
        self._stopping = threading.Event()
        self.patched: dict[str, int] = {}
        self.errors: list[str] = []

    def sync_once(self) -> None:
        """One pass over all nodes; patch those whose advertised count is not the pool's."""
        for node in kube.items(self._core.list_node):
            count = wanted_gpus(node, self._topology)
            if count is None or advertised(node) == (str(count), str(count)):
                continue
            name = node["metadata"]["name"]
            self._core.patch_node_status(name, gpu_patch(count), _content_type=kube.MERGE_PATCH)
            if name not in self.patched:
                print(f"  [{NAME}] {name}: {GPU_RESOURCE}={count}", flush=True)
            self.patched[name] = count

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.sync_once()
            except Exception as error:  # keep advertising; the waits report what is missing
                self.errors.append(f"{type(error).__name__}: {error}")
            self._stopping.wait(POLL_SECONDS)

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=10)


def start(api: Any, topology: Mapping[str, Any]) -> GpuAdvertiser:
    print(f"  starting {NAME}", flush=True)
    advertiser = GpuAdvertiser(api, topology)
    advertiser.start()
    return advertiser
