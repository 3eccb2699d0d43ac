"""Lesson 1 with GPUs offered by DRA, as recorded API bodies: ResourceSlices, claims, pods.

Written to the shape the KWOK DRA plugin of fake-gpu-operator 0.2.0 and the
kube-scheduler v1.36 give them (one slice per fake node, named after it; one
claim per pod, labelled from its template), not captured from a live cluster.
"""

from typing import Any

from fleet.demo.outcome import DEMO_WORKLOAD_LABEL
from fleet.render import dra
from fleet.stack.load import load_stack_file
from fleet.stack.spec import FleetSpec
from lab.recorded import (
    DEMO_NAMESPACE,
    QUEUE_PLACEMENT,
    TAINTED,
    Cluster,
    Object,
    gpu_node,
    meta,
    pod,
    real_node,
    scheduler_event,
    system_workloads,
)
from tests.paths import STACKS_DIR

LESSON1_DRA_STACK = STACKS_DIR / "Pulumi.lesson1-dra.yaml"
CANNOT_ALLOCATE_MESSAGE = (
    f"0/7 nodes are available: {TAINTED}, 6 cannot allocate all claims. preemption: 0/7 nodes "
    "are available: 7 Preemption is not helpful for scheduling."
)


def _memory(mib: int) -> str:
    """A whole-MiB byte count as the API server writes a binary quantity."""
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"


def device_name(node: str, index: int) -> str:
    return f"gpu-{node[-12:].replace('-', '0')}-{index:04d}"


def resource_slice(node: str, product: str, memory_mib: int, devices: int) -> Object:
    def device(index: int) -> Object:
        uuid = f"GPU-{node}-{index}"
        return {
            "name": device_name(node, index),
            "attributes": {
                "uuid": {"string": uuid},
                "model": {"string": product},
                f"{dra.DRIVER}/type": {"string": "gpu"},
                f"{dra.DRIVER}/uuid": {"string": uuid},
                dra.PRODUCT_ATTRIBUTE: {"string": product},
            },
            "capacity": {dra.MEMORY_CAPACITY: {"value": _memory(memory_mib)}},
        }

    return {
        "metadata": meta(f"kwok-{node}-gpu"),  # as the KWOK DRA plugin names it
        "spec": {
            "driver": dra.DRIVER,
            "nodeName": node,
            "pool": {"name": node, "generation": 1, "resourceSliceCount": 1},
            "devices": [device(index) for index in range(devices)],
        },
    }


def claim(owner: Object, workload: str, node: str | None, device: str | None) -> Object:
    name = owner["metadata"]["name"]
    body: Object = {
        "metadata": meta(
            f"{name}-gpus-x7k2p", DEMO_NAMESPACE, labels={DEMO_WORKLOAD_LABEL: workload}
        ),
        "spec": {
            "devices": {
                "requests": [
                    {
                        "name": dra.CLAIM_REQUEST,
                        "exactly": {
                            "deviceClassName": dra.DEVICE_CLASS,
                            "allocationMode": "ExactCount",
                            "count": 1,
                        },
                    }
                ]
            }
        },
        "status": {},
    }
    if node is not None and device is not None:
        body["status"] = {
            "allocation": {
                "devices": {
                    "results": [
                        {
                            "request": dra.CLAIM_REQUEST,
                            "driver": dra.DRIVER,
                            "pool": node,
                            "device": device,
                        }
                    ]
                }
            },
            "reservedFor": [{"resource": "pods", "name": name, "uid": owner["metadata"]["uid"]}],
        }
    return body


def _demo_pod(cluster: Cluster, name: str, workload: str, node: str | None, **extra: Any) -> Object:
    created = pod(
        name,
        DEMO_NAMESPACE,
        phase="Running" if node else "Pending",
        node=node,
        workload=workload,
        **extra,
    )
    cluster.pods.append(created)
    return created


def lesson1_dra_cluster() -> Cluster:
    """Lesson 1 by DRA after the demo: 32 Running, 11 Pending, every claim where predicted."""
    spec: FleetSpec = load_stack_file(LESSON1_DRA_STACK)
    cluster = Cluster(
        nodes=[
            real_node(
                "ai-factory-lab-control-plane",
                {"node-role.kubernetes.io/control-plane": ""},
                [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
            ),
            real_node("ai-factory-lab-worker", {"node-purpose": "system"}, []),
        ]
    )
    used: dict[str, int] = {}
    for name, pool in spec.pools.items():
        for index in range(pool.nodes):
            fake = gpu_node(spec, name, index, None)  # no nvidia.com/gpu: DRA only
            cluster.nodes.append(fake)
            node_name = fake["metadata"]["name"]
            used[node_name] = 0
            cluster.resource_slices.append(
                resource_slice(node_name, pool.product, pool.memory_mib, pool.gpus_per_node)
            )
    system_workloads(cluster, spec)

    def allocate(owner: Object, workload: str, node: str | None) -> None:
        device = None
        if node is not None:
            device = device_name(node, used[node])
            used[node] += 1
        cluster.resource_claims.append(claim(owner, workload, node, device))

    small = _demo_pod(cluster, "dra-batch-small", "dra-batch-small", "kwok-gpu-a100-0")
    allocate(small, "dra-batch-small", "kwok-gpu-a100-0")
    for name in ("dra-train-16gpu", "dra-needs-b200"):
        pending = _demo_pod(cluster, name, name, None)
        allocate(pending, name, None)
        cluster.events.append(
            scheduler_event(pending, "FailedScheduling", CANNOT_ALLOCATE_MESSAGE, 2)
        )
    owner = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "dra-queue-pressure-5c9d7f6b8",
        "uid": "7a1e3c52-0000-4000-8000-0000000000b2",
        "controller": True,
    }
    placements = [node for node, count in QUEUE_PLACEMENT.items() for _ in range(count)]
    for index in range(40):
        placed = placements[index] if index < len(placements) else None
        queued = _demo_pod(
            cluster,
            f"dra-queue-pressure-5c9d7f6b8-{index:05x}",
            "dra-queue-pressure",
            placed,
            owner=owner,
        )
        allocate(queued, "dra-queue-pressure", placed)
        if placed is None:
            cluster.events.append(
                scheduler_event(queued, "FailedScheduling", CANNOT_ALLOCATE_MESSAGE, 60 + index)
            )
    return cluster
