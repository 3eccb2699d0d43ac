"""The topology demo on the e2e tier: stacks/Pulumi.lesson-topology.yaml (its pools and team;
the cluster section and the charts the tier's) under a scheduler whose controllers run on
the host, every step's placements compared with `fleet expect`'s."""

from collections.abc import Callable, Iterator
from typing import Any

from fleet.schedulers.topology_scenarios import TopologyScenario
from fleet.stack.spec import FleetSpec
from lab import waits
from lab.topology_runner import as_observable, run_topology_scenario
from tests.e2e.routed import RoutedLab
from tests.e2e.schedulers import NODES_TIMEOUT, SchedulerStack, scheduler_stack
from tests.paths import STACKS_DIR

TOPOLOGY_FILE = STACKS_DIR / "Pulumi.lesson-topology.yaml"


def topology_stack(scheduler: str, lab: RoutedLab) -> Iterator[SchedulerStack]:
    """The topology stack under `scheduler`, brought up as `scheduler_stack` does, the
    pool's Topology with the team's queues."""
    return scheduler_stack(scheduler, f"topology-{scheduler}", lab, source=TOPOLOGY_FILE)


def check_topology_scenario(
    api: Any, spec: FleetSpec, scenario: TopologyScenario, log_tail: Callable[[int], str]
) -> None:
    """Every step's gangs running, waiting, in as many racks and blocks as predicted, the
    free GPUs as predicted, no gang half started; prints each gang's racks and the step's
    free and stranded GPUs."""
    waits.wait_for_nodes(api, spec.total_nodes, spec.total_gpus, NODES_TIMEOUT)
    observed = run_topology_scenario(api, spec, scenario)
    print(f"  {spec.scheduler} topology scenario {scenario.name}: {observed.seconds:.1f}s")
    for index, (step, seen) in enumerate(zip(scenario.steps, observed.steps, strict=True), 1):
        where = "; ".join(f"{job} in {', '.join(racks)}" for job, racks in seen.racks.items())
        print(
            f"    step {index}: {where or 'nothing running'}; free {seen.free_gpus} GPUs "
            f"(predicted {step.free_gpus}, stranded {step.stranded_gpus})"
        )
    expected = [tuple(as_observable(p) for p in step.expected) for step in scenario.steps]
    if [s.placements for s in observed.steps] != expected:
        print(log_tail(30))
    assert [s.placements for s in observed.steps] == expected
    assert [s.free_gpus for s in observed.steps] == [s.free_gpus for s in scenario.steps]
    assert observed.half_started == []
