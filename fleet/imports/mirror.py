"""A pool that mirrors one real GPU node, from its nvidia-smi output.

The product label is the one GPU Feature Discovery sets (`fleet.stack.catalog`),
the GPU memory the output's `memory.total` (else the catalog's figure), and the
pool is validated as a stack's pools are.
"""

import re
from dataclasses import dataclass
from typing import Any

from fleet.files.files_in import cut
from fleet.imports import nvidia_smi
from fleet.imports.pools import InputError, check_pools
from fleet.stack.catalog import known_memory_mib, product_label

# Leading words of a product label that say nothing about the model.
_VENDOR_WORDS = frozenset({"nvidia", "tesla", "geforce", "quadro"})


@dataclass(frozen=True)
class MirroredPool:
    name: str
    # As it is written under `gpu-fleet:pools`.
    pool: dict[str, Any]
    # Where the figures came from, for the comment beside the pool.
    comment: str


def mirror_pool(text: str, source: str, nodes: int, name: str | None = None) -> MirroredPool:
    """The pool of `nodes` nodes like the one whose nvidia-smi output is `text`."""
    reading = nvidia_smi.parse(text, source)
    gpus = nvidia_smi.one_model(reading, source)
    product = product_label(gpus.name)
    from_output = gpus.memory_mib is not None
    memory = gpus.memory_mib if from_output else known_memory_mib(product)
    if memory is None:
        raise InputError(
            source,
            [
                f"the output gives no memory.total and {cut(product)} is not in the catalog, so "
                f"gpuMemoryMiB is unknown; capture `{nvidia_smi.QUERY_COMMAND}` instead",
            ],
        )
    name = name or default_pool_name(product)
    pool = {
        "nodes": nodes,
        "gpusPerNode": gpus.count,
        "product": product,
        "gpuMemoryMiB": memory,
    }
    check_pools({name: pool}, f"pool from {source}")
    comment = f"{gpus.count} x {gpus.name} per node (nvidia-smi {reading.format} output"
    comment += ")" if from_output else "; memory from the catalog)"
    return MirroredPool(name, pool, comment)


def default_pool_name(product: str) -> str:
    """A pool name from a product label: the model, without the vendor's words.

    NVIDIA-H100-80GB-HBM3 -> h100, Tesla-T4 -> t4, NVIDIA-GeForce-RTX-4090 -> rtx-4090.
    """
    words = [word for word in re.split(r"[^a-z0-9]+", product.lower()) if word]
    while len(words) > 1 and words[0] in _VENDOR_WORDS:
        words.pop(0)
    model = next((i for i, word in enumerate(words) if any(c.isdigit() for c in word)), 0)
    return "-".join(words[: model + 1])[:63].strip("-") or "gpu"
