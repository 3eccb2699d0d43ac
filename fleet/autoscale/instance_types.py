"""The KWOK instance type of each autoscaled pool, in the format of the file Karpenter's KWOK
provider reads (`--instance-types-file-path`), and the ConfigMap that holds that file."""

import json
from typing import Any

from fleet.render.nodes import GPU_RESOURCE, STACK_LABEL
from fleet.stack.autoscale import CAPACITY_TYPES, instance_type_name
from fleet.stack.owner import StackOwner
from fleet.stack.spec import FleetSpec, PoolSpec

CAPACITY_TYPE_LABEL = "karpenter.sh/capacity-type"
ZONE_LABEL = "topology.kubernetes.io/zone"
# Fake nodes stand in no zone; every offering names this one.
ZONE = "gpu-fleet-zone-a"
# Where the file is kept: a namespace every cluster has, under a name the fleet owns.
CONFIG_MAP_NAMESPACE = "kube-system"
CONFIG_MAP_NAME = "gpu-fleet-karpenter-instance-types"
FILE_KEY = "instance-types.json"


def _requirement(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "operator": "In", "values": [value]}


def instance_type(pool_name: str, pool: PoolSpec) -> dict[str, Any]:
    """One node of the pool as Karpenter sees it before making it: the resources it adds
    (its GPUs as `nvidia.com/gpu`, which the operator then advertises on the node too)
    and, per capacity type the pool has a price for, an offering at that price per hour.

    The offering keys are the field names of the provider's Go types (its JSON decoder
    reads `Price`, `Available` and `Requirements`, the last a list of node selector
    requirements).
    """
    assert pool.autoscale is not None
    offerings = [
        {
            "Price": price,
            "Available": True,
            "Requirements": [
                _requirement(CAPACITY_TYPE_LABEL, CAPACITY_TYPES[key]),
                _requirement(ZONE_LABEL, ZONE),
            ],
        }
        for key, price in pool.autoscale.prices.offered.items()
    ]
    return {
        "name": instance_type_name(pool_name, pool.gpus_per_node),
        "offerings": offerings,
        "architecture": "amd64",
        "operatingSystems": ["linux"],
        "resources": {
            "cpu": str(pool.cpu),
            "memory": pool.memory,
            "pods": str(pool.pods),
            GPU_RESOURCE: str(pool.gpus_per_node),
        },
    }


def instance_types(spec: FleetSpec) -> list[dict[str, Any]]:
    """The fleet's instance types, one per autoscaled pool."""
    return [instance_type(name, pool) for name, pool in spec.autoscaled_pools.items()]


def instance_types_config_map(spec: FleetSpec, owner: StackOwner) -> dict[str, Any]:
    """The file Karpenter's KWOK provider is pointed at, as a ConfigMap to mount."""
    text = json.dumps(instance_types(spec), sort_keys=True, separators=(",", ":"))
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": CONFIG_MAP_NAME,
            "namespace": CONFIG_MAP_NAMESPACE,
            "labels": {STACK_LABEL: owner.label},
        },
        "data": {FILE_KEY: text + "\n"},
    }
