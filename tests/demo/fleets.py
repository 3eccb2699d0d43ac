"""Small fleets for the demo tests."""

from collections.abc import Callable
from typing import Any

from fleet.stack.spec import DemoSpec, FleetSpec

MakeFleet = Callable[..., FleetSpec]


def pool(nodes: int, gpus: int, **extra: Any) -> dict[str, Any]:
    """A pool of a catalog product (no gpuMemoryMiB needed) with optional overrides."""
    return {"nodes": nodes, "gpusPerNode": gpus, "product": "NVIDIA-A100-SXM4-80GB", **extra}


def beyond_the_spec(spec: FleetSpec, **demo: Any) -> FleetSpec:
    """`spec` with demo settings a stack file may not give, such as an oversized pod that
    fits or an empty queue (refused because the demo would show nothing): the scheduling
    model and the renderer place every workload by the same rules, so they are checked
    on such settings too."""
    settings = {**spec.demo.model_dump(by_alias=True, exclude_none=True), **demo}
    return spec.model_copy(update={"demo": DemoSpec.model_validate(settings)})
