"""Kueue v0.17.0 on the lesson-1 fleet under the real engine: the program installs its chart
and the teams' queues of stacks/Pulumi.lesson1-kueue.yaml, Kueue's manager (built from its
module) admits the scheduler demo's jobs as `fleet expect` says, and destroy leaves nothing
of Kueue behind.

A control plane of its own: its API server routes Services to their endpoints, so that
Kueue's webhooks, served by the manager on the host, are reached (harness/kueue_host.py).
The stack is brought up in two steps, Kueue first and the teams second: the queues pass
through Kueue's webhooks, which serve only once the release's CRDs and configuration
exist and the manager has started from them (on a real cluster `schedulerRelease.wait`
awaits the manager's pod instead).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fleet.schedulers.scenarios import Scenario, plan_scenarios
from fleet.stack.load import load_stack_file
from lab.charts import kueue_chart
from lab.cluster import Cluster
from lab.engine import FleetStack, Run
from lab.host_processes import Supervisor
from lab.scheduler_hosts import scheduler_running
from lab.tools import Engine
from tests.e2e.schedulers import (
    active_cluster_queues,
    check_a_product_job_runs_on_its_product,
    check_scenario,
    destroy_leaves_nothing,
    scheduler_config,
    stack_file,
)

pytestmark = pytest.mark.e2e

NAMESPACE = "kueue-system"
SCENARIOS = plan_scenarios(load_stack_file(stack_file("kueue")))


@dataclass
class KueueStack:
    stack: FleetStack
    kueue_up: Run
    teams_up: Run
    manager: Supervisor


@pytest.fixture(scope="module")
def kueue_stack(
    engine: Engine,
    binaries: dict[str, Path],
    routed_cluster: Cluster,
    routed_api: Any,
    routed_operator: Supervisor,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[KueueStack]:
    """Kueue up, its manager serving, then the teams' queues."""
    workdir = tmp_path_factory.mktemp("kueue")
    stack = FleetStack(engine, workdir, "e2e-kueue")
    chart = kueue_chart()
    stack.write_config(scheduler_config(routed_cluster, "kueue", chart, teams=False))
    kueue_up = stack.up()
    teams_up: list[Run] = []

    def up_with_teams() -> None:
        stack.write_config(scheduler_config(routed_cluster, "kueue", chart, teams=True))
        teams_up.append(stack.up())

    with scheduler_running(
        "kueue", binaries, routed_cluster, routed_api, workdir, up_with_teams
    ) as manager:
        assert manager is not None
        yield KueueStack(stack, kueue_up, teams_up[0], manager)
        print(manager.log_tail(5))


def test_the_program_installs_kueue_then_the_teams_queues(
    kueue_stack: KueueStack, routed_api: Any
) -> None:
    assert "gpu-fleet-scheduler" in kueue_stack.kueue_up.names("create", ":Release")
    created = kueue_stack.teams_up.names("create")
    assert {"a100", "h100", "l40s", "research", "prod", "research/research", "prod/prod"} <= set(
        created
    )
    # Kueue took the queues: each ClusterQueue reports itself active.
    assert active_cluster_queues(routed_api) == {"research": True, "prod": True}


def test_second_up_changes_nothing(kueue_stack: KueueStack) -> None:
    assert kueue_stack.stack.up().changes == []


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_as_fleet_expect_says(
    kueue_stack: KueueStack, routed_api: Any, scenario: Scenario
) -> None:
    spec = load_stack_file(kueue_stack.stack.stack_file)
    check_scenario(routed_api, spec, scenario, kueue_stack.manager.log_tail)


def test_a_job_naming_a_gpu_product_runs_on_that_product(
    kueue_stack: KueueStack, routed_api: Any
) -> None:
    spec = load_stack_file(kueue_stack.stack.stack_file)
    check_a_product_job_runs_on_its_product(routed_api, spec, kueue_stack.manager.log_tail)


def test_destroy_leaves_no_crd_webhook_or_namespace_of_kueue(
    kueue_stack: KueueStack, routed_api: Any
) -> None:
    destroy_leaves_nothing(routed_api, kueue_stack.stack)
