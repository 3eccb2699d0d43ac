"""Helm values for run.ai's fake-gpu-operator, derived from the pools."""

from typing import Any

from fleet.nodes import OPERATOR_POOL_LABEL
from fleet.spec import FleetSpec


def operator_namespace(spec: FleetSpec) -> dict[str, Any]:
    """The release's namespace, created by the program so that destroying the stack
    also removes what the operator creates there outside its release."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": spec.operator.namespace}}


def topology_values(spec: FleetSpec) -> dict[str, Any]:
    """`topology.*` values: one node pool per fleet pool, keyed by the pool label."""
    return {
        "topology": {
            "nodePoolLabelKey": OPERATOR_POOL_LABEL,
            "migStrategy": "none",
            "nodePools": {
                name: {
                    "gpuCount": pool.gpus_per_node,
                    "gpuProduct": pool.product,
                    "gpuMemory": pool.memory_mib,
                }
                for name, pool in spec.pools.items()
            },
        }
    }


def operator_values(spec: FleetSpec) -> dict[str, Any]:
    """The chart values: the stack's extra values, with the derived topology on top.

    The node pools are the fleet's alone: extra values may tune the operator
    but cannot declare a pool the stack does not have.
    """
    derived = topology_values(spec)
    merged = _merge(spec.operator.values, derived)
    merged["topology"]["nodePools"] = derived["topology"]["nodePools"]
    return merged


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
