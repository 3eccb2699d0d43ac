"""GPU products the fleet knows, keyed by the label GPU Feature Discovery sets.

GFD's `nvidia.com/gpu.product` label is the NVML device name with spaces
turned into dashes, so `NVIDIA H100 80GB HBM3` becomes `NVIDIA-H100-80GB-HBM3`.
The memory figures are what `nvidia-smi --query-gpu=memory.total` reports on
real hardware (MiB), which is what a faithful fake pool should advertise.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class GpuProduct:
    label: str
    memory_mib: int


_PRODUCTS = (
    GpuProduct("NVIDIA-A100-SXM4-80GB", 81920),
    GpuProduct("NVIDIA-A100-SXM4-40GB", 40960),
    GpuProduct("NVIDIA-H100-80GB-HBM3", 81559),  # H100 SXM5
    GpuProduct("NVIDIA-H200", 143771),  # H200 SXM
    GpuProduct("NVIDIA-L40S", 46068),
    GpuProduct("NVIDIA-L4", 23034),
    GpuProduct("Tesla-T4", 15360),
)

CATALOG: dict[str, GpuProduct] = {product.label: product for product in _PRODUCTS}


def product_label(nvml_name: str) -> str:
    """The GFD product label for an NVML device name."""
    return "-".join(nvml_name.split())


def known_memory_mib(label: str) -> int | None:
    product = CATALOG.get(label)
    return product.memory_mib if product else None
