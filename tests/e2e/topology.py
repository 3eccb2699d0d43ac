"""The topology demo on the e2e tier: stacks/Pulumi.lesson-topology.yaml (its pools and team;
the cluster section and the charts the tier's) under a scheduler whose controllers run on
the host, every step's placements compared with `fleet expect`'s."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fleet.schedulers.topology_scenarios import TopologyScenario
from fleet.stack.spec import FleetSpec
from lab import waits
from lab.charts import kai_chart, kueue_chart
from lab.cluster import Cluster
from lab.engine import FleetStack, Run
from lab.host_processes import Supervisor
from lab.scheduler_hosts import scheduler_running
from lab.tools import Engine
from lab.topology_runner import as_observable, run_topology_scenario
from tests.e2e.schedulers import NODES_TIMEOUT, scheduler_config
from tests.paths import STACKS_DIR

TOPOLOGY_FILE = STACKS_DIR / "Pulumi.lesson-topology.yaml"


@dataclass
class TopologyStack:
    stack: FleetStack
    scheduler_up: Run
    teams_up: Run
    controllers: Supervisor


def topology_stack(
    scheduler: str,
    engine: Engine,
    binaries: dict[str, Path],
    cluster: Cluster,
    api: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TopologyStack]:
    """The fleet and the scheduler's release, its controllers on the host, then the team's
    queues and the pool's Topology (Kueue's pass its webhooks, which serve only then)."""
    workdir = tmp_path_factory.mktemp(f"topology-{scheduler}")
    stack = FleetStack(engine, workdir, f"e2e-topology-{scheduler}")
    chart = kueue_chart() if scheduler == "kueue" else kai_chart()

    def config(teams: bool) -> dict[str, Any]:
        return scheduler_config(cluster, scheduler, chart, teams=teams, source=TOPOLOGY_FILE)

    stack.write_config(config(teams=False))
    scheduler_up = stack.up()
    teams_up: list[Run] = []

    def up_with_teams() -> None:
        stack.write_config(config(teams=True))
        teams_up.append(stack.up())

    with scheduler_running(scheduler, binaries, cluster, api, workdir, up_with_teams) as running:
        assert running is not None
        yield TopologyStack(stack, scheduler_up, teams_up[0], running)
        print(running.log_tail(5))


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
