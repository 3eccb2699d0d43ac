"""Small fleets for the demo tests."""

from collections.abc import Callable
from typing import Any

from fleet.stack.spec import FleetSpec

MakeFleet = Callable[..., FleetSpec]


def pool(nodes: int, gpus: int, **extra: Any) -> dict[str, Any]:
    """A pool of a catalog product (no gpuMemoryMiB needed) with optional overrides."""
    return {"nodes": nodes, "gpusPerNode": gpus, "product": "NVIDIA-A100-SXM4-80GB", **extra}
