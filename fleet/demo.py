"""The four workloads of the scheduling demo (REFERENCE §2), sized from the fleet.

Names are fixed (they are the rows of the expected table); sizes follow the
fleet unless the stack's `demo:` section overrides them:

- `cuda-batch-small`: 1 GPU on `smallPool` (default: the first declared pool);
- `cuda-train-16gpu`: `oversizedGpus` GPUs in one pod (default: twice the
  largest node, so it fits nowhere; 16 on lesson 1);
- `cuda-needs-b200`: 1 GPU on `missingPool` (default `b200`, or a name the
  stack does not use), a pool that does not exist;
- `queue-pressure`: a Deployment of `queueReplicas` 1-GPU pods (default: the
  fleet's GPUs plus 8, so the queue outgrows the fleet; 40 on lesson 1).
"""

from dataclasses import dataclass

from fleet.outcome import WorkloadKind
from fleet.spec import FleetSpec

SMALL = "cuda-batch-small"
OVERSIZED = "cuda-train-16gpu"
MISSING = "cuda-needs-b200"
QUEUE = "queue-pressure"

DEFAULT_MISSING_POOL = "b200"
QUEUE_OVERFLOW = 8


@dataclass(frozen=True)
class DemoWorkload:
    """One demo workload: `replicas` identical pods of `gpus` GPUs each."""

    name: str
    kind: WorkloadKind
    gpus: int
    replicas: int = 1
    # The `gpu-pool` the pods select, or None for any GPU node.
    pool: str | None = None


def demo_workloads(spec: FleetSpec) -> tuple[DemoWorkload, ...]:
    """The workloads in creation order (the order matters: #1 holds a GPU before #4 queues)."""
    demo = spec.demo
    oversized = demo.oversized_gpus or 2 * spec.largest_pod_gpus
    queue = spec.total_gpus + QUEUE_OVERFLOW if demo.queue_replicas is None else demo.queue_replicas
    return (
        DemoWorkload(SMALL, "Pod", gpus=1, pool=demo.small_pool or next(iter(spec.pools))),
        DemoWorkload(OVERSIZED, "Pod", gpus=oversized),
        DemoWorkload(MISSING, "Pod", gpus=1, pool=demo.missing_pool or missing_pool_name(spec)),
        DemoWorkload(QUEUE, "Deployment", gpus=1, replicas=queue),
    )


def missing_pool_name(spec: FleetSpec) -> str:
    """`b200`, unless the stack has such a pool: then `b200-absent`, `b200-absent-2`, ..."""
    name, suffix = DEFAULT_MISSING_POOL, 1
    while name in spec.pools:
        name = f"{DEFAULT_MISSING_POOL}-absent" + (f"-{suffix}" if suffix > 1 else "")
        suffix += 1
    return name
