"""GPU products the fleet knows, keyed by the label GPU Feature Discovery sets.

GFD's `nvidia.com/gpu.product` label is the NVML device name with spaces
turned into dashes, so `NVIDIA H100 80GB HBM3` becomes `NVIDIA-H100-80GB-HBM3`.
The memory figures are what `nvidia-smi --query-gpu=memory.total` reports on
real hardware (MiB), which is what a faithful fake pool should advertise.

A product built as a rack-scale NVLink system (GB200 NVL72: 72 GPUs joined by the
rack's NVLink switches, over 18 compute trays of 4 GPUs) also says how many GPUs
one NVLink domain holds and how many a node of it has: a pool of it gets an NVLink
domain per rack (`nvidia.com/gpu.clique`) unless its topology says otherwise.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class GpuProduct:
    label: str
    memory_mib: int
    # GPUs one NVLink domain (a rack) holds, and per node; None: no rack-scale NVLink.
    nvlink_domain_gpus: int | None = None
    node_gpus: int | None = None


_PRODUCTS = (
    GpuProduct("NVIDIA-A100-SXM4-80GB", 81920),
    GpuProduct("NVIDIA-A100-SXM4-40GB", 40960),
    GpuProduct("NVIDIA-H100-80GB-HBM3", 81559),  # H100 SXM5
    GpuProduct("NVIDIA-H200", 143771),  # H200 SXM
    GpuProduct("NVIDIA-L40S", 46068),
    GpuProduct("NVIDIA-L4", 23034),
    GpuProduct("Tesla-T4", 15360),
    # GB200 NVL72: 72 GPUs per rack, 18 compute trays of 4 GPUs. The memory is the data
    # sheet's 186 GB of HBM3e per GPU, not yet checked against an nvidia-smi capture.
    GpuProduct("NVIDIA-GB200", 189471, nvlink_domain_gpus=72, node_gpus=4),
)

CATALOG: dict[str, GpuProduct] = {product.label: product for product in _PRODUCTS}


def product_label(nvml_name: str) -> str:
    """The GFD product label for an NVML device name."""
    return "-".join(nvml_name.split())


def known_memory_mib(label: str) -> int | None:
    product = CATALOG.get(label)
    return product.memory_mib if product else None


def nvlink_domain_gpus(label: str) -> int | None:
    """GPUs in one NVLink domain of a rack-scale product; None for any other product."""
    product = CATALOG.get(label)
    return product.nvlink_domain_gpus if product else None


def nvlink_products() -> list[str]:
    return sorted(p.label for p in _PRODUCTS if p.nvlink_domain_gpus is not None)
