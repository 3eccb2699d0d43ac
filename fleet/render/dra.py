"""Dynamic Resource Allocation (`resource.k8s.io/v1`) as fake-gpu-operator offers it.

From 0.2.0 the operator's KWOK DRA plugin publishes one ResourceSlice per fake
node: driver `gpu.nvidia.com`, the node's name as pool, one device per GPU
with the attribute `gpu.nvidia.com/productName` (the pool's product) and the
capacity `memory` (the pool's GPU memory). The chart ships no DeviceClass for
it (only its non-KWOK DRA plugin does), so the program creates one.

In CEL, unqualified names (`memory`) belong to the driver's domain, so both
the product and the memory are read under `gpu.nvidia.com`.
"""

import json
from dataclasses import dataclass
from typing import Any

API_VERSION = "resource.k8s.io/v1"
DRIVER = "gpu.nvidia.com"
DEVICE_CLASS = DRIVER
PRODUCT_ATTRIBUTE = f"{DRIVER}/productName"
MEMORY_CAPACITY = "memory"
# The name of the one request in every demo claim, and of the pod's claim entry.
CLAIM_REQUEST = "gpus"
MIB = 1024 * 1024


@dataclass(frozen=True)
class DeviceSelection:
    """What a claim asks of each device beyond the DeviceClass: a product, a memory floor."""

    product: str | None = None
    min_memory_mib: int | None = None

    def matches(self, product: str, memory_mib: int) -> bool:
        """Whether a device of `product` with `memory_mib` satisfies the selection."""
        if self.product is not None and product != self.product:
            return False
        return self.min_memory_mib is None or memory_mib >= self.min_memory_mib

    def cel(self) -> list[str]:
        """The CEL selectors of the claim's request, one per condition."""
        expressions = []
        if self.product is not None:
            expressions.append(
                f"device.attributes[{json.dumps(DRIVER)}].productName == {json.dumps(self.product)}"
            )
        if self.min_memory_mib is not None:
            expressions.append(
                f"device.capacity[{json.dumps(DRIVER)}].{MEMORY_CAPACITY}"
                f'.compareTo(quantity("{self.min_memory_mib}Mi")) >= 0'
            )
        return expressions


def device_class() -> dict[str, Any]:
    """The DeviceClass every claim names: any device of the operator's driver."""
    return {
        "apiVersion": API_VERSION,
        "kind": "DeviceClass",
        "metadata": {"name": DEVICE_CLASS},
        "spec": {"selectors": [{"cel": {"expression": f"device.driver == {json.dumps(DRIVER)}"}}]},
    }


def claim_template(
    metadata: dict[str, Any], claim_labels: dict[str, str], count: int, selection: DeviceSelection
) -> dict[str, Any]:
    """A ResourceClaimTemplate for `count` devices of the class; each pod gets its own claim.

    The claims the controller creates from it carry `claim_labels`, so that
    evidence can group them by workload without reading pods.
    """
    exactly: dict[str, Any] = {
        "deviceClassName": DEVICE_CLASS,
        "allocationMode": "ExactCount",
        "count": count,
    }
    expressions = selection.cel()
    if expressions:
        exactly["selectors"] = [{"cel": {"expression": expression}} for expression in expressions]
    return {
        "apiVersion": API_VERSION,
        "kind": "ResourceClaimTemplate",
        "metadata": metadata,
        "spec": {
            "metadata": {"labels": claim_labels},
            "spec": {"devices": {"requests": [{"name": CLAIM_REQUEST, "exactly": exactly}]}},
        },
    }


def slice_name(node: str) -> str:
    """The name the KWOK DRA plugin gives a fake node's ResourceSlice."""
    return f"kwok-{node}-gpu"


_BINARY_SUFFIXES = {"": 1, "Ki": 1024, "Mi": MIB, "Gi": 1024 * MIB, "Ti": 1024 * 1024 * MIB}


def quantity_mib(quantity: str) -> int | None:
    """A binary or plain byte quantity (`80Gi`, `46068Mi`, `85899345920`) in MiB.

    None for anything else, or for a quantity that is not a whole number of MiB:
    the plugin writes memory as whole MiB, so such a value is not its.
    """
    digits = quantity.rstrip("KMGTi")
    suffix = quantity[len(digits) :]
    if not digits.isdigit() or suffix not in _BINARY_SUFFIXES:
        return None
    size = int(digits) * _BINARY_SUFFIXES[suffix]
    return size // MIB if size % MIB == 0 else None
