"""Fake GPU node manifests (docs/fleet.md), built once for the CLI and the Pulumi components."""

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

from fleet.render.shards import SHARD_LABEL, shard_of
from fleet.render.topology import TOPOLOGY_ANNOTATION, topology_annotation, topology_labels
from fleet.stack.owner import StackOwner
from fleet.stack.spec import NODE_NAME_PREFIX, FleetSpec, PoolSpec, node_name

KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node"
KWOK_TAINT = {"key": KWOK_NODE_ANNOTATION, "value": "fake", "effect": "NoSchedule"}
POOL_LABEL = "gpu-pool"
OPERATOR_POOL_LABEL = "run.ai/simulated-gpu-node-pool"
PRODUCT_LABEL = "nvidia.com/gpu.product"
GPU_RESOURCE = "nvidia.com/gpu"
HOSTNAME_LABEL = "kubernetes.io/hostname"
# Ownership: which stack and which of its pools a node belongs to (fleet/stack/owner.py).
STACK_LABEL = "gpu-fleet.dev/stack"
OWNED_POOL_LABEL = "gpu-fleet.dev/pool"
# The digest of the node's template, so that a metadata-only list shows stale nodes.
TEMPLATE_ANNOTATION = "gpu-fleet.dev/template"
TEMPLATE_INDEX = "<i>"
DIGEST_CHARS = 16


def node_template(pool_name: str, pool: PoolSpec, owner: StackOwner) -> dict[str, Any]:
    """Every node of `pool` as one object, its name left as `kwok-gpu-<pool>-<i>`
    (`named` gives node i), with the digest of its content in an annotation.

    The status is part of the object on purpose: the API server keeps status
    given on create (and ignores it on update), and a node created with its
    cpu/memory/pods already set cannot lose them to the race between KWOK's
    node-initialize stage and the operator's `nvidia.com/gpu` patch. The GPU
    count itself is left to the operator, as are the MIG resources of a pool with
    `sharing`; the node carries the GPU Feature Discovery labels of its sharing that the
    operator does not write (docs/fleet.md, "GPU sharing"). The owner labels say which stack and
    pool the node belongs to; the digest lets a pool tell, from a metadata-only
    list, which of its nodes carry an older template. The KWOK shard label is not part
    of the template: it follows from the node's name and the fleet's shard count
    (`named`), so a new shard count moves only the nodes the new count assigns elsewhere.
    """
    resources = {"cpu": str(pool.cpu), "memory": pool.memory, "pods": str(pool.pods)}
    offer = pool.offer
    template: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": f"{NODE_NAME_PREFIX}{pool_name}-{TEMPLATE_INDEX}",
            "annotations": {
                KWOK_NODE_ANNOTATION: "fake",
                "node.alpha.kubernetes.io/ttl": "0",
            },
            "labels": {
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/os": "linux",
                HOSTNAME_LABEL: TEMPLATE_INDEX,
                "node-role.kubernetes.io/gpu-worker": "",
                "type": "kwok",
                POOL_LABEL: pool_name,
                OPERATOR_POOL_LABEL: pool_name,
                PRODUCT_LABEL: offer.product,
                **offer.labels,
                STACK_LABEL: owner.label,
                OWNED_POOL_LABEL: pool_name,
                SHARD_LABEL: TEMPLATE_INDEX,
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
    topology = topology_annotation(pool_name, pool, owner.label)
    if topology is not None:
        template["metadata"]["annotations"][TOPOLOGY_ANNOTATION] = topology
    template["metadata"]["annotations"][TEMPLATE_ANNOTATION] = template_digest(template)
    return template


def template_digest(template: Mapping[str, Any]) -> str:
    """A short digest of a node template's content, its own digest annotation left out."""
    metadata = dict(template["metadata"])
    annotations = dict(metadata.get("annotations") or {})
    annotations.pop(TEMPLATE_ANNOTATION, None)
    content = {**template, "metadata": {**metadata, "annotations": annotations}}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_CHARS]


def named(template: Mapping[str, Any], name: str, shards: int = 1) -> dict[str, Any]:
    """The template as the node `name` (copies what differs, shares the rest), labelled
    with its shard of the fleet's `shards` KWOK controllers and, in a pool with a
    topology, its block, rack and NVLink domain (`fleet.render.topology`)."""
    metadata = template["metadata"]
    topology = topology_labels((metadata.get("annotations") or {}).get(TOPOLOGY_ANNOTATION), name)
    labels = {
        **metadata["labels"],
        HOSTNAME_LABEL: name,
        SHARD_LABEL: str(shard_of(name, shards)),
        **topology,
    }
    return {**template, "metadata": {**metadata, "name": name, "labels": labels}}


def fake_node(
    pool_name: str, pool: PoolSpec, index: int, owner: StackOwner, kwok_shards: int = 1
) -> dict[str, Any]:
    """Node `index` of `pool` (docs/fleet.md)."""
    return named(node_template(pool_name, pool, owner), node_name(pool_name, index), kwok_shards)


def owner_selector(owner_label: str, pool_name: str) -> str:
    """The label selector of the nodes one stack's pool owns."""
    return f"{STACK_LABEL}={owner_label},{OWNED_POOL_LABEL}={pool_name}"


def is_fake_node(node: Mapping[str, Any]) -> bool:
    """Whether a Node object (as the API returns it) is one KWOK manages as fake."""
    annotations = (node.get("metadata") or {}).get("annotations") or {}
    return bool(annotations.get(KWOK_NODE_ANNOTATION) == "fake")


def pool_nodes(
    pool_name: str, pool: PoolSpec, owner: StackOwner, kwok_shards: int = 1
) -> Iterator[dict[str, Any]]:
    template = node_template(pool_name, pool, owner)
    for index in range(pool.nodes):
        yield named(template, node_name(pool_name, index), kwok_shards)


def fleet_nodes(spec: FleetSpec, owner: StackOwner) -> Iterator[dict[str, Any]]:
    for pool_name, pool in spec.pools.items():
        yield from pool_nodes(pool_name, pool, owner, spec.kwok_controllers)
