"""Dynamic Resource Allocation (`resource.k8s.io/v1`) as fake-gpu-operator offers it.

From 0.2.0 the operator's KWOK DRA plugin publishes one ResourceSlice per fake
node: driver `gpu.nvidia.com`, the node's name as pool, one device per GPU
with the attribute `gpu.nvidia.com/productName` (the pool's product) and the
capacity `memory` (the pool's GPU memory). The 0.2.0 chart also renders the
`gpu.nvidia.com` DeviceClass whenever that plugin is enabled, so the program
creates the class only where it does not install the operator
(`program_creates_device_class`).

In CEL, unqualified names (`memory`) belong to the driver's domain, so both
the product and the memory are read under `gpu.nvidia.com`.
"""

import json
from typing import Any

from fleet.demo.workloads import DeviceSelection
from fleet.stack.spec import FleetSpec

API_VERSION = "resource.k8s.io/v1"
DRIVER = "gpu.nvidia.com"
DEVICE_CLASS = DRIVER
PRODUCT_ATTRIBUTE = f"{DRIVER}/productName"
MEMORY_CAPACITY = "memory"
# The name of the one request in every demo claim, and of the pod's claim entry.
CLAIM_REQUEST = "gpus"


def selectors(selection: DeviceSelection) -> list[str]:
    """The CEL selectors of a claim's request, one per condition of `selection`."""
    expressions = []
    if selection.product is not None:
        product = json.dumps(selection.product)
        expressions.append(f"device.attributes[{json.dumps(DRIVER)}].productName == {product}")
    if selection.min_memory_mib is not None:
        expressions.append(
            f"device.capacity[{json.dumps(DRIVER)}].{MEMORY_CAPACITY}"
            f'.compareTo(quantity("{selection.min_memory_mib}Mi")) >= 0'
        )
    return expressions


def program_creates_device_class(spec: FleetSpec) -> bool:
    """Whether the stack itself must create the DeviceClass its claims name.

    fake-gpu-operator's chart creates `gpu.nvidia.com` (owned by its Helm release)
    whenever its KWOK DRA plugin is enabled, and Helm refuses to install over a class
    that already exists. So the program creates the class only for a DRA stack whose
    operator it does not install (the DRA plugin then runs some other way).
    """
    return spec.offers_dra and not spec.operator.install


def device_class() -> dict[str, Any]:
    """The DeviceClass every claim names: any device of the operator's driver."""
    return {
        "apiVersion": API_VERSION,
        "kind": "DeviceClass",
        "metadata": {"name": DEVICE_CLASS},
        "spec": {"selectors": [{"cel": {"expression": f"device.driver == {json.dumps(DRIVER)}"}}]},
    }


def claim_template(
    metadata: dict[str, Any],
    claim_labels: dict[str, str],
    count: int,
    selection: DeviceSelection | None = None,
) -> dict[str, Any]:
    """A ResourceClaimTemplate for `count` devices of the class (those matching `selection`,
    or any); each pod gets its own claim.

    The claims the controller creates from it carry `claim_labels`, so that
    evidence (or a clean-up) can find them by label without reading pods.
    """
    exactly: dict[str, Any] = {
        "deviceClassName": DEVICE_CLASS,
        "allocationMode": "ExactCount",
        "count": count,
    }
    expressions = selectors(selection) if selection is not None else []
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


def pod_claim(template_name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A container's `resources` and its pod's `resourceClaims` for one claim made from
    `template_name` (the container uses the claim's one request)."""
    resources = {"claims": [{"name": CLAIM_REQUEST}]}
    claims = [{"name": CLAIM_REQUEST, "resourceClaimTemplateName": template_name}]
    return resources, claims
