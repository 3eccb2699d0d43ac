"""What one node of a pool advertises, as the NVIDIA device plugin and GPU Feature
Discovery (GFD) advertise it on a real node with the same sharing configuration.

`gpu_count`, `product` and `memory_mib` are what the fake-gpu-operator is told about the
pool (it writes `nvidia.com/gpu` and the labels `nvidia.com/gpu.count`, `.product`,
`.memory` from them); `resources` are the further extended resources it writes beside
`nvidia.com/gpu` (its `otherDevices`); `labels` are the GFD labels it has no notion of,
which the node carries from its template. docs/fleet.md, "GPU sharing", says who writes
what.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from fleet.sharing.profiles import MigProfile

MigStrategy = Literal["mixed", "single"]
MIG_STRATEGY_LABEL = "nvidia.com/mig.strategy"
REPLICAS_LABEL = "nvidia.com/gpu.replicas"
SHARING_STRATEGY_LABEL = "nvidia.com/gpu.sharing-strategy"
SHARED_SUFFIX = "-SHARED"


# How a node's GPUs are offered: whole, MIG under either strategy, or time-sliced.
OfferKind = Literal["whole", "mig-mixed", "mig-single", "time-slicing"]


@dataclass(frozen=True)
class NodeOffer:
    kind: OfferKind
    gpu_count: int
    product: str
    memory_mib: int
    resources: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def slices(self) -> dict[str, int]:
        """The shared units one node offers, by resource: MIG slices or time-sliced
        replicas (nothing for whole GPUs)."""
        if self.kind == "whole":
            return {}
        if self.kind == "mig-mixed":
            return dict(self.resources)
        return {"nvidia.com/gpu": self.gpu_count}


def whole(product: str, gpus: int, memory_mib: int) -> NodeOffer:
    """A node whose GPUs are offered whole: what every pool without `sharing` gets."""
    return NodeOffer("whole", gpus, product, memory_mib)


def time_sliced(product: str, gpus: int, memory_mib: int, replicas: int) -> NodeOffer:
    """Time-slicing (the device plugin's `sharing.timeSlicing`, renameByDefault off): each
    GPU advertised `replicas` times as `nvidia.com/gpu`, the product label suffixed."""
    return NodeOffer(
        "time-slicing",
        gpus * replicas,
        f"{product}{SHARED_SUFFIX}",
        memory_mib,
        labels={REPLICAS_LABEL: str(replicas), SHARING_STRATEGY_LABEL: "time-slicing"},
    )


def partitioned(
    product: str,
    gpus: int,
    memory_mib: int,
    strategy: MigStrategy,
    layout: Mapping[MigProfile, int],
) -> NodeOffer:
    """Every GPU of the node cut into `layout` (profile -> instances per GPU).

    `mixed`: one resource `nvidia.com/mig-<profile>` per profile and no whole GPU left
    (`nvidia.com/gpu` 0), labels per profile. `single` (one profile): the slices counted
    as `nvidia.com/gpu`, the product label `<product>-MIG-<profile>`, the memory the slice's.
    """
    labels: dict[str, str] = {MIG_STRATEGY_LABEL: strategy}
    if strategy == "single":
        ((profile, count),) = layout.items()
        labels |= {
            "nvidia.com/gpu.slices.gi": str(profile.compute_slices),
            "nvidia.com/gpu.slices.ci": str(profile.compute_slices),
        }
        return NodeOffer(
            "mig-single",
            gpus * count,
            f"{product}-MIG-{profile.name}",
            profile.memory_mib(memory_mib),
            labels=labels,
        )
    resources = {}
    for profile, count in layout.items():
        prefix = f"nvidia.com/mig-{profile.name}"
        resources[prefix] = gpus * count
        labels |= {
            f"{prefix}.count": str(gpus * count),
            f"{prefix}.memory": str(profile.memory_mib(memory_mib)),
            f"{prefix}.slices.gi": str(profile.compute_slices),
            f"{prefix}.slices.ci": str(profile.compute_slices),
        }
    return NodeOffer("mig-mixed", 0, product, memory_mib, resources=resources, labels=labels)
