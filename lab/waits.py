"""Bounded waits on the cluster: fake nodes Ready with GPUs, demo pods settled."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fleet.demo.plan import plan_demo
from fleet.render.nodes import GPU_RESOURCE, is_fake_node
from fleet.stack.load import load_stack_file
from lab import kube

T = TypeVar("T")


def poll(what: str, check: Callable[[], tuple[bool, T]], timeout: float) -> T:
    """Call `check` until it says done; raise TimeoutError naming `what` and the last state."""
    deadline = time.monotonic() + timeout
    while True:
        done, state = check()
        if done:
            return state
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached within {timeout:.0f}s; last seen: {state}")
        time.sleep(0.5)


@dataclass(frozen=True)
class NodeState:
    fake: int
    ready: int
    gpus: int


def _is_ready(node: dict[str, Any]) -> bool:
    conditions = node.get("status", {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def node_state(api: Any) -> NodeState:
    fake = [node for node in kube.items(kube.core(api).list_node) if is_fake_node(node)]
    gpus = sum(int(n["status"].get("allocatable", {}).get(GPU_RESOURCE, "0")) for n in fake)
    return NodeState(len(fake), sum(map(_is_ready, fake)), gpus)


def wait_for_nodes(api: Any, nodes: int, gpus: int, timeout: float) -> NodeState:
    """Every fake node Ready and the fleet's GPUs allocatable."""

    def check() -> tuple[bool, NodeState]:
        state = node_state(api)
        return state == NodeState(nodes, nodes, gpus), state

    return poll(f"{nodes} fake nodes Ready with {gpus} GPUs", check, timeout)


@dataclass(frozen=True)
class PodState:
    total: int
    running: int
    pending_explained: int  # Pending with a FailedScheduling event
    other: int


def pod_state(api: Any, namespace: str) -> PodState:
    core = kube.core(api)
    pods = kube.items(core.list_namespaced_pod, namespace)
    events = kube.items(
        core.list_namespaced_event, namespace, field_selector="reason=FailedScheduling"
    )
    unschedulable = {event["involvedObject"]["name"] for event in events}
    phases = [pod.get("status", {}).get("phase") for pod in pods]
    running = phases.count("Running")
    explained = sum(
        1
        for pod, phase in zip(pods, phases, strict=True)
        if phase == "Pending" and pod["metadata"]["name"] in unschedulable
    )
    return PodState(len(pods), running, explained, len(pods) - running - explained)


def wait_for_demo(api: Any, namespace: str, pods: int, timeout: float, stable: float) -> PodState:
    """Every demo pod Running or Pending with a FailedScheduling event, unchanged for `stable`s."""
    settled: dict[str, Any] = {"state": None, "since": 0.0}

    def check() -> tuple[bool, PodState]:
        state = pod_state(api, namespace)
        if state != settled["state"]:
            settled.update(state=state, since=time.monotonic())
        done = state.total == pods and state.other == 0
        return done and time.monotonic() - settled["since"] >= stable, state

    return poll(f"{pods} demo pods settled in {namespace}", check, timeout)


SETTLE_NODES_TIMEOUT = 120.0
SETTLE_DEMO_TIMEOUT = 180.0
DEMO_STABLE_SECONDS = 5.0


def settle(api: Any, stack_file: Path) -> None:
    """Wait until the stack's nodes are Ready with the GPUs the device plugin advertises
    (none on a DRA-only stack) and every demo pod is placed or explained."""
    spec = load_stack_file(stack_file)
    advertised = spec.total_gpus if spec.offers_device_plugin else 0
    wait_for_nodes(api, spec.total_nodes, advertised, SETTLE_NODES_TIMEOUT)
    pods = plan_demo(spec).expected
    wait_for_demo(
        api,
        spec.demo.namespace,
        pods.running + pods.pending,
        SETTLE_DEMO_TIMEOUT,
        DEMO_STABLE_SECONDS,
    )
