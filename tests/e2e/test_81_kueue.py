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
from typing import Any

import pytest

from fleet.schedulers.scenarios import Scenario, plan_scenarios
from fleet.stack.load import load_stack_file
from tests.e2e.routed import RoutedLab
from tests.e2e.schedulers import (
    SchedulerStack,
    active_cluster_queues,
    check_a_product_job_runs_on_its_product,
    check_scenario,
    destroy_leaves_nothing,
    scheduler_stack,
    stack_file,
)

pytestmark = pytest.mark.e2e

NAMESPACE = "kueue-system"
SCENARIOS = plan_scenarios(load_stack_file(stack_file("kueue")))


@pytest.fixture(scope="module")
def kueue_stack(routed_lab: RoutedLab) -> Iterator[SchedulerStack]:
    """Kueue up, its manager serving, then the teams' queues."""
    yield from scheduler_stack("kueue", "kueue", routed_lab)


def test_the_program_installs_kueue_then_the_teams_queues(
    kueue_stack: SchedulerStack, routed_api: Any
) -> None:
    assert "gpu-fleet-scheduler" in kueue_stack.scheduler_up.names("create", ":Release")
    created = kueue_stack.teams_up.names("create")
    assert {"a100", "h100", "l40s", "research", "prod", "research/research", "prod/prod"} <= set(
        created
    )
    # Kueue took the queues: each ClusterQueue reports itself active.
    assert active_cluster_queues(routed_api) == {"research": True, "prod": True}


def test_second_up_changes_nothing(kueue_stack: SchedulerStack) -> None:
    assert kueue_stack.stack.up().changes == []


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_as_fleet_expect_says(
    kueue_stack: SchedulerStack, routed_api: Any, scenario: Scenario
) -> None:
    spec = load_stack_file(kueue_stack.stack.stack_file)
    check_scenario(routed_api, spec, scenario, kueue_stack.controllers.log_tail)


def test_a_job_naming_a_gpu_product_runs_on_that_product(
    kueue_stack: SchedulerStack, routed_api: Any
) -> None:
    spec = load_stack_file(kueue_stack.stack.stack_file)
    check_a_product_job_runs_on_its_product(routed_api, spec, kueue_stack.controllers.log_tail)


def test_destroy_leaves_no_crd_webhook_or_namespace_of_kueue(
    kueue_stack: SchedulerStack, routed_api: Any
) -> None:
    destroy_leaves_nothing(routed_api, kueue_stack.stack)
