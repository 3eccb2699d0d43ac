"""Fake GPU node manifests (docs/fleet.md), built once for the CLI and the Pulumi components."""

from collections.abc import Iterator, Mapping
from typing import Any

from fleet.render.shards import SHARD_LABEL, shard_of
from fleet.stack.spec import FleetSpec, PoolSpec, node_name

KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node"
KWOK_TAINT = {"key": KWOK_NODE_ANNOTATION, "value": "fake", "effect": "NoSchedule"}
POOL_LABEL = "gpu-pool"
OPERATOR_POOL_LABEL = "run.ai/simulated-gpu-node-pool"
PRODUCT_LABEL = "nvidia.com/gpu.product"
GPU_RESOURCE = "nvidia.com/gpu"


def fake_node(pool_name: str, pool: PoolSpec, index: int, kwok_shards: int) -> dict[str, Any]:
    """One KWOK node of `pool`, with its status, labelled with its KWOK shard
    (of `kwok_shards`, `fleet.render.shards`).

    The status is part of the object on purpose: the API server keeps status
    given on create (and ignores it on update), and a node created with its
    cpu/memory/pods already set cannot lose them to the race between KWOK's
    node-initialize stage and the operator's `nvidia.com/gpu` patch. The GPU
    count itself is left to the operator.
    """
    name = node_name(pool_name, index)
    resources = {"cpu": str(pool.cpu), "memory": pool.memory, "pods": str(pool.pods)}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {KWOK_NODE_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/os": "linux",
                "kubernetes.io/hostname": name,
                "node-role.kubernetes.io/gpu-worker": "",
                "type": "kwok",
                POOL_LABEL: pool_name,
                OPERATOR_POOL_LABEL: pool_name,
                PRODUCT_LABEL: pool.product,
                SHARD_LABEL: str(shard_of(name, kwok_shards)),
            },
        },
        "spec": {"taints": [dict(KWOK_TAINT)]},
        "status": {
            "allocatable": dict(resources),
            "capacity": dict(resources),
            "nodeInfo": {
                "architecture": "amd64",
                "operatingSystem": "linux",
                "kubeletVersion": "fake",
                "kubeProxyVersion": "fake",
                "containerRuntimeVersion": "fake",
                "kernelVersion": "",
                "osImage": "",
                "machineID": "",
                "systemUUID": "",
                "bootID": "",
            },
        },
    }


def is_fake_node(node: Mapping[str, Any]) -> bool:
    """Whether a Node object (as the API returns it) is one KWOK manages as fake."""
    annotations = (node.get("metadata") or {}).get("annotations") or {}
    return bool(annotations.get(KWOK_NODE_ANNOTATION) == "fake")


def pool_nodes(pool_name: str, pool: PoolSpec, kwok_shards: int) -> Iterator[dict[str, Any]]:
    for index in range(pool.nodes):
        yield fake_node(pool_name, pool, index, kwok_shards)


def fleet_nodes(spec: FleetSpec) -> Iterator[dict[str, Any]]:
    for pool_name, pool in spec.pools.items():
        yield from pool_nodes(pool_name, pool, spec.kwok_controllers)
