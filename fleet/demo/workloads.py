"""The four workloads of the scheduling demo (docs/demo.md), sized from the fleet.

Names are fixed (they are the rows of the expected table); sizes follow the
fleet unless the stack's `demo:` section overrides them:

- `cuda-batch-small`: 1 GPU on `smallPool` (default: the first declared pool);
- `cuda-train-16gpu`: `oversizedGpus` GPUs in one pod (default: twice the
  largest node, so it fits nowhere; 16 on lesson 1);
- `cuda-needs-b200`: 1 GPU on `missingPool` (default `b200`, or a name the
  stack does not use), a pool that does not exist;
- `queue-pressure`: a Deployment of `queueReplicas` 1-GPU pods (default: the
  fleet's GPUs plus 8, so the queue outgrows the fleet; 40 on lesson 1), or
  `queuePercentOfGpus` percent of the fleet's GPUs (a fleet-sized queue: 110
  gives a tenth more pods than GPUs, whatever the fleet's size).

That is the device-plugin variant (`nvidia.com/gpu` limits, `gpu-pool` node
selectors). A stack that offers GPUs by DRA gets the same four workloads as
ResourceClaims instead, named `dra-...`: the small claim selects the small
pool's product, the missing one a product no pool has (`NVIDIA-B200` by
default), and the queue's claims any GPU (or, with `queueMinGpuMemoryMiB`, GPUs
with at least that much memory). A stack offering both gets both variants, the
device-plugin one first.

Each workload's pods carry a simulated GPU utilization (`demo.utilization`, by
workload name; defaults in `fleet.stack.demo_names`: batch and training busy, the
queue's inference replicas bursty).
"""

from dataclasses import dataclass, replace

from fleet.demo.outcome import WorkloadKind
from fleet.stack.demo_names import (
    DEFAULT_UTILIZATION,
    DRA_MISSING,
    DRA_OVERSIZED,
    DRA_QUEUE,
    DRA_SMALL,
    MISSING,
    OVERSIZED,
    QUEUE,
    SMALL,
)
from fleet.stack.spec import FleetSpec

__all__ = [
    "DRA_MISSING",
    "DRA_OVERSIZED",
    "DRA_QUEUE",
    "DRA_SMALL",
    "MISSING",
    "OVERSIZED",
    "QUEUE",
    "SMALL",
    "DemoWorkload",
    "DeviceSelection",
    "demo_workloads",
]

DEFAULT_MISSING_POOL = "b200"
DEFAULT_MISSING_PRODUCT = "NVIDIA-B200"
QUEUE_OVERFLOW = 8


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


@dataclass(frozen=True)
class DemoWorkload:
    """One demo workload: `replicas` identical pods of `gpus` GPUs each.

    With `claim` None the pods ask for `nvidia.com/gpu`; otherwise each pod gets
    a ResourceClaim for `gpus` devices of the DeviceClass that match `claim`.
    """

    name: str
    kind: WorkloadKind
    gpus: int
    replicas: int = 1
    # The `gpu-pool` the pods select, or None for any GPU node (device plugin only).
    pool: str | None = None
    claim: DeviceSelection | None = None
    # `run.ai/simulated-gpu-utilization` of its pods (`demo.utilization`, else the default).
    utilization: str = ""


def demo_workloads(spec: FleetSpec) -> tuple[DemoWorkload, ...]:
    """The workloads in creation order (the order matters: #1 holds a GPU before #4 queues)."""
    demo = spec.demo
    oversized = demo.oversized_gpus or 2 * spec.largest_pod_gpus
    queue = queue_replicas(spec)
    small_pool = demo.small_pool or next(iter(spec.pools))
    workloads: tuple[DemoWorkload, ...] = ()
    if spec.offers_device_plugin:
        workloads += (
            DemoWorkload(SMALL, "Pod", gpus=1, pool=small_pool),
            DemoWorkload(OVERSIZED, "Pod", gpus=oversized),
            DemoWorkload(MISSING, "Pod", gpus=1, pool=demo.missing_pool or missing_pool_name(spec)),
            DemoWorkload(QUEUE, "Deployment", gpus=1, replicas=queue),
        )
    if spec.offers_dra:
        small = DeviceSelection(product=spec.pools[small_pool].product)
        missing = DeviceSelection(product=missing_product(spec))
        any_gpu = DeviceSelection(min_memory_mib=demo.queue_min_gpu_memory_mib)
        workloads += (
            DemoWorkload(DRA_SMALL, "Pod", gpus=1, claim=small),
            DemoWorkload(DRA_OVERSIZED, "Pod", gpus=oversized, claim=DeviceSelection()),
            DemoWorkload(DRA_MISSING, "Pod", gpus=1, claim=missing),
            DemoWorkload(DRA_QUEUE, "Deployment", gpus=1, replicas=queue, claim=any_gpu),
        )
    return tuple(_with_utilization(workload, spec) for workload in workloads)


def _with_utilization(workload: DemoWorkload, spec: FleetSpec) -> DemoWorkload:
    declared = (spec.demo.utilization or {}).get(workload.name, DEFAULT_UTILIZATION[workload.name])
    return replace(workload, utilization=declared)


def queue_replicas(spec: FleetSpec) -> int:
    """`queueReplicas`, else `queuePercentOfGpus` of the fleet's GPUs, else the GPUs plus 8."""
    if spec.demo.queue_replicas is not None:
        return spec.demo.queue_replicas
    if spec.demo.queue_percent_of_gpus is not None:
        return spec.queue_from_percent
    return spec.total_gpus + QUEUE_OVERFLOW


def missing_pool_name(spec: FleetSpec) -> str:
    """`b200`, unless the stack has such a pool: then `b200-absent`, `b200-absent-2`, ..."""
    return _unused(DEFAULT_MISSING_POOL, set(spec.pools))


def missing_product(spec: FleetSpec) -> str:
    """`NVIDIA-B200`, unless a pool has that product: then `NVIDIA-B200-absent`, ..."""
    return _unused(DEFAULT_MISSING_PRODUCT, {pool.product for pool in spec.pools.values()})


def _unused(default: str, taken: set[str]) -> str:
    name, suffix = default, 1
    while name in taken:
        name = f"{default}-absent" + (f"-{suffix}" if suffix > 1 else "")
        suffix += 1
    return name
