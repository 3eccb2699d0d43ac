"""Helm values for run.ai's fake-gpu-operator, derived from the pools and the GPU offer."""

from typing import Any

from fleet.render.nodes import OPERATOR_POOL_LABEL
from fleet.stack.spec import FleetSpec, PoolSpec


def operator_namespace(spec: FleetSpec) -> dict[str, Any]:
    """The release's namespace, created by the program so that destroying the stack
    also removes what the operator creates there outside its release."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": spec.operator.namespace}}


def topology_values(spec: FleetSpec) -> dict[str, Any]:
    """`topology.*` values: one node pool per fleet pool, keyed by the pool label, and
    the fleet's MIG strategy (which the operator writes on every fake node)."""
    return {
        "topology": {
            "nodePoolLabelKey": OPERATOR_POOL_LABEL,
            "migStrategy": spec.mig_strategy,
            "nodePools": {name: node_pool(pool) for name, pool in spec.pools.items()},
        }
    }


def node_pool(pool: PoolSpec) -> dict[str, Any]:
    """What the operator advertises on each node of `pool`: `nvidia.com/gpu` (gpuCount)
    and the GPU labels from what the node offers (docs/fleet.md, "GPU sharing"), and
    the MIG resources as its further devices (`otherDevices`), which its KWOK device
    plugin writes into the node's status beside `nvidia.com/gpu`."""
    offer = pool.offer
    values: dict[str, Any] = {
        "gpuCount": offer.gpu_count,
        "gpuProduct": offer.product,
        "gpuMemory": offer.memory_mib,
    }
    if offer.resources:
        values["otherDevices"] = [
            {"name": name, "count": count} for name, count in offer.resources.items()
        ]
    return values


def offer_values(spec: FleetSpec) -> dict[str, Any]:
    """Which of the operator's KWOK plugins run: `nvidia.com/gpu` counts, ResourceSlices, or both.

    Only charts that have the KWOK DRA plugin know these switches; older ones
    (device plugin only, as validated by the spec) get no values for them.
    """
    if not spec.operator.has_kwok_dra_plugin:
        return {}
    return {
        "kwokGpuDevicePlugin": {"enabled": spec.offers_device_plugin},
        "kwokDraPlugin": {"enabled": spec.offers_dra},
    }


# The chart's components with an image (values key), across the versions the program
# supports. Their images are release tags that never change, yet the chart pulls them
# `Always`, so a pod cannot start where the registry is out of reach even with the image
# already on the node (`kind load`, an air-gapped mirror). The program asks for
# `IfNotPresent`; extra values can still say otherwise.
OPERATOR_IMAGE_COMPONENTS = (
    "devicePlugin",
    "statusUpdater",
    "topologyServer",
    "statusExporter",
    "kwokGpuDevicePlugin",
    "kwokDraPlugin",
    "migFaker",
)


def pull_policy_values() -> dict[str, Any]:
    """`IfNotPresent` for every component's image (see OPERATOR_IMAGE_COMPONENTS)."""
    return {key: {"image": {"pullPolicy": "IfNotPresent"}} for key in OPERATOR_IMAGE_COMPONENTS}


def operator_values(spec: FleetSpec) -> dict[str, Any]:
    """The chart values: the pull policy, the stack's extra values over it, and the
    derived ones on top.

    The node pools and the GPU offer are the fleet's alone: extra values may
    tune the operator but cannot declare a pool the stack does not have, nor
    switch a plugin the offer does not say.
    """
    derived = topology_values(spec) | offer_values(spec)
    merged = merge_values(merge_values(pull_policy_values(), spec.operator.values), derived)
    merged["topology"]["nodePools"] = derived["topology"]["nodePools"]
    return merged


def merge_values(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm values `override` laid over `base`, mappings merged key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_values(merged[key], value)
        else:
            merged[key] = value
    return merged
