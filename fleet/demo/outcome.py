"""Scheduling outcomes of the demo workloads: what `fleet expect` predicts and evidence observes.

Both sides use these types, so that the report compares like with like.
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import FailFast

WorkloadKind = Literal["Pod", "Deployment"]

# Every demo pod (and the Deployment's pod template) carries this label with
# its workload's name, so that evidence can group pods without per-pod reads.
DEMO_WORKLOAD_LABEL = "gpu-fleet.dev/demo-workload"

# The two Pending causes of the device-plugin demo (docs/demo.md), as the default
# scheduler words them in a FailedScheduling event.
REASON_INSUFFICIENT_GPU = "Insufficient nvidia.com/gpu"
REASON_NODE_SELECTOR = "didn't match Pod's node affinity/selector"
# A node whose pod slots are all taken (a pool with a small `pods`).
REASON_TOO_MANY_PODS = "Too many pods"
# A node where the DynamicResources filter finds no devices for the pod's
# claims (kube-scheduler's dynamicresources plugin, Filter): the same words
# for too few devices, a product no device has, or no ResourceSlice at all.
REASON_CANNOT_ALLOCATE_CLAIMS = "cannot allocate all claims"
# Every reason the fleet knows, in the order its tables list them (the order the
# scheduler's filters run: selector, pod slots, resources, claims).
REASONS = (
    REASON_NODE_SELECTOR,
    REASON_TOO_MANY_PODS,
    REASON_INSUFFICIENT_GPU,
    REASON_CANNOT_ALLOCATE_CLAIMS,
)


def reasons_named(found: Collection[str] | str) -> tuple[str, ...]:
    """The known reasons in `found` (a set of reasons, or a message naming them), in order."""
    return tuple(reason for reason in REASONS if reason in found)


@dataclass(frozen=True)
class WorkloadOutcome:
    """How many replicas of one workload run and how many stay Pending, and why."""

    name: str
    kind: WorkloadKind
    running: int
    pending: int
    reasons: Annotated[tuple[str, ...], FailFast()] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "running": self.running,
            "pending": self.pending,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class FleetOutcome:
    """The outcome of every demo workload on one fleet, with namespace totals."""

    # Read back from evidence: stop at the first bad item (see fleet.evidence.document).
    workloads: Annotated[tuple[WorkloadOutcome, ...], FailFast()]
    # Where the model does not cover the stack's workloads, what it leaves out.
    caveats: Annotated[tuple[str, ...], FailFast()] = field(default=())

    @property
    def running(self) -> int:
        return sum(workload.running for workload in self.workloads)

    @property
    def pending(self) -> int:
        return sum(workload.pending for workload in self.workloads)

    def workload(self, name: str) -> WorkloadOutcome:
        for workload in self.workloads:
            if workload.name == name:
                return workload
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "workloads": [workload.as_dict() for workload in self.workloads],
            "totals": {"running": self.running, "pending": self.pending},
            "caveats": list(self.caveats),
        }
