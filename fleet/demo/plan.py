"""The demo of one fleet, worked out once: its workloads and what the scheduler should do.

Everything that needs the demo (its manifests, `fleet expect`, the report) takes
a `DemoPlan`, so that one run sizes the workloads and places them once.
"""

from dataclasses import dataclass

from fleet.demo.expect import expected_outcome
from fleet.demo.outcome import FleetOutcome
from fleet.demo.workloads import DemoWorkload, demo_workloads
from fleet.stack.spec import FleetSpec


@dataclass(frozen=True)
class DemoPlan:
    # In creation order (the order matters: #1 holds a GPU before #4 queues).
    workloads: tuple[DemoWorkload, ...]
    expected: FleetOutcome


def plan_demo(spec: FleetSpec) -> DemoPlan:
    workloads = demo_workloads(spec)
    return DemoPlan(workloads, expected_outcome(spec, workloads))
