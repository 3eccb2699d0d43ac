"""The Karpenter `NodePool` of an autoscaled pool, and the `KWOKNodeClass` it names."""

from typing import Any

from fleet.autoscale.instance_types import CAPACITY_TYPE_LABEL
from fleet.render.nodes import GPU_RESOURCE, OWNED_POOL_LABEL, STACK_LABEL, node_template
from fleet.render.shards import SHARD_LABEL
from fleet.stack.autoscale import CAPACITY_TYPES, instance_type_name, node_pool_name
from fleet.stack.owner import StackOwner
from fleet.stack.spec import PoolSpec

KARPENTER_API = "karpenter.sh/v1"
NODE_CLASS_GROUP = "karpenter.kwok.sh"
NODE_CLASS_API = f"{NODE_CLASS_GROUP}/v1alpha1"
NODE_CLASS_KIND = "KWOKNodeClass"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
# Labels of the pool's fixed nodes that Karpenter's nodes do not take from the NodePool:
# the provider sets the hostname itself (the NodeClaim's name; the NodePool refuses the
# label), and the owner labels mark the nodes the program made: with them, the pool's
# resource would count Karpenter's nodes as its own and `gpu-fleet orphans` would list
# them. Karpenter labels its nodes with their NodePool (`karpenter.sh/nodepool`) instead.
NOT_FROM_TEMPLATE = frozenset({"kubernetes.io/hostname", STACK_LABEL, OWNED_POOL_LABEL})
# Every node Karpenter adds is kept by the fleet's first KWOK controller.
KARPENTER_SHARD = "0"
# Karpenter removes a node this long after it became empty or could be consolidated.
CONSOLIDATE_AFTER = "30s"


def _owned(name: str, owner: StackOwner, pool_name: str) -> dict[str, Any]:
    return {"name": name, "labels": {STACK_LABEL: owner.label, OWNED_POOL_LABEL: pool_name}}


def node_class(pool_name: str, owner: StackOwner) -> dict[str, Any]:
    """The pool's `KWOKNodeClass` (no settings: nodes register at once)."""
    return {
        "apiVersion": NODE_CLASS_API,
        "kind": NODE_CLASS_KIND,
        "metadata": _owned(node_pool_name(pool_name), owner, pool_name),
    }


def node_labels(pool_name: str, pool: PoolSpec, owner: StackOwner) -> dict[str, str]:
    """The labels Karpenter gives each node it adds: those of the pool's fixed nodes (the
    operator's pool label and the product included) but NOT_FROM_TEMPLATE, on KWOK shard 0."""
    labels: dict[str, str] = node_template(pool_name, pool, owner)["metadata"]["labels"]
    kept = {key: value for key, value in labels.items() if key not in NOT_FROM_TEMPLATE}
    return {**kept, SHARD_LABEL: KARPENTER_SHARD}


def node_pool(pool_name: str, pool: PoolSpec, owner: StackOwner) -> dict[str, Any]:
    """The pool's `NodePool`: nodes of its one instance type, in the capacity types it has
    prices for, with its labels and taint; at most `max - min` of them (the program keeps
    the `min`), consolidated when empty or underused."""
    assert pool.autoscale is not None
    added = pool.autoscale.added_at_most
    template = node_template(pool_name, pool, owner)
    capacity_types = [CAPACITY_TYPES[key] for key in pool.autoscale.prices.offered]
    return {
        "apiVersion": KARPENTER_API,
        "kind": "NodePool",
        "metadata": _owned(node_pool_name(pool_name), owner, pool_name),
        "spec": {
            "template": {
                "metadata": {"labels": node_labels(pool_name, pool, owner)},
                "spec": {
                    "nodeClassRef": {
                        "group": NODE_CLASS_GROUP,
                        "kind": NODE_CLASS_KIND,
                        "name": node_pool_name(pool_name),
                    },
                    "requirements": [
                        {
                            "key": INSTANCE_TYPE_LABEL,
                            "operator": "In",
                            "values": [instance_type_name(pool_name, pool.gpus_per_node)],
                        },
                        {"key": CAPACITY_TYPE_LABEL, "operator": "In", "values": capacity_types},
                    ],
                    "taints": [dict(taint) for taint in template["spec"]["taints"]],
                    "expireAfter": "Never",
                },
            },
            "limits": {"nodes": str(added), GPU_RESOURCE: str(added * pool.gpus_per_node)},
            "disruption": {
                "consolidationPolicy": "WhenEmptyOrUnderutilized",
                "consolidateAfter": CONSOLIDATE_AFTER,
            },
        },
    }
