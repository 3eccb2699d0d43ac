"""KAI-Scheduler v0.17.0 on the lesson-1 fleet under the real engine: the program installs its
chart (its CRDs applied by the program), the teams' queues of stacks/Pulumi.lesson1-kai.yaml,
KAI's controllers (built from its source) place the scheduler demo's pods as `fleet expect`
says, and destroy leaves nothing of KAI behind.

A control plane of its own (the node names are lesson 1's). KAI's controllers run on the
host with the arguments and scheduler configuration KAI's operator renders for the
release's Config and SchedulingShard (lab/kai_host.py), its admission webhooks served from
the host and registered as the operator registers them (lab/kai_admission.py). The stack
comes up in one step: no webhook checks the queues here.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleet.schedulers.scenarios import Scenario, ScenarioJob, cast, plan_scenarios
from fleet.schedulers.workloads import KAI_PODGROUP_API, job_objects
from fleet.stack.load import load_stack_file
from lab import kube, scenario_runner, waits
from lab.charts import kai_chart
from lab.engine import FleetStack, Run
from lab.host_processes import Supervisor
from lab.scheduler_hosts import kai_running
from tests.e2e.routed import RoutedLab
from tests.e2e.schedulers import (
    NODES_TIMEOUT,
    check_a_product_job_runs_on_its_product,
    check_scenario,
    destroy_leaves_nothing,
    scheduler_config,
    stack_file,
)

pytestmark = pytest.mark.e2e

SCENARIOS = plan_scenarios(load_stack_file(stack_file("kai")))


@dataclass
class KaiStack:
    stack: FleetStack
    first_up: Run
    controllers: Supervisor


@pytest.fixture(scope="module")
def kai_stack(routed_lab: RoutedLab) -> Iterator[KaiStack]:
    workdir = routed_lab.tmp_path_factory.mktemp("kai")
    stack = FleetStack(routed_lab.engine, workdir, "e2e-kai")
    stack.write_config(scheduler_config(routed_lab.cluster, "kai", kai_chart(), teams=True))
    first_up = stack.up()
    spec = load_stack_file(stack.stack_file)
    # The operator's rendering looks at the nodes (their fake-GPU label), as the
    # operator would once the fleet is up.
    waits.wait_for_nodes(routed_lab.api, spec.total_nodes, spec.total_gpus, NODES_TIMEOUT)
    with kai_running(
        routed_lab.binaries, routed_lab.api, routed_lab.cluster.kubeconfig, workdir
    ) as supervisor:
        yield KaiStack(stack, first_up, supervisor)
        print(supervisor.log_tail(5))


def test_the_program_installs_kai_its_crds_and_the_teams_queues(
    kai_stack: KaiStack, routed_api: Any
) -> None:
    created = kai_stack.first_up.names("create")
    assert "gpu-fleet-scheduler" in kai_stack.first_up.names("create", ":Release")
    assert "gpu-fleet-scheduler-crd-scheduling.run.ai_queues" in created
    queues = kube.custom(routed_api).list_cluster_custom_object(
        "scheduling.run.ai", "v2", "queues"
    )["items"]
    assert sorted(q["metadata"]["name"] for q in queues) == ["gpu-fleet", "prod", "research"]


def test_kai_runs_as_its_operator_renders_it(kai_stack: KaiStack) -> None:
    """The scheduler with the shard's configuration and the flags KAI's operator gives it;
    the pod-group controller beside it."""
    commands = {c.name: c for c in kai_stack.controllers.commands}
    assert set(commands) == {
        "kai-queuecontroller",
        "kai-podgrouper",
        "kai-binder",
        "kai-podgroupcontroller",
        "kai-scheduler-default",
        "kai-admission",
    }
    argv = commands["kai-scheduler-default"].argv[1:]
    scheduler = dict(a.removeprefix("--").split("=", 1) for a in argv if "=" in a)
    assert scheduler["nodepool-label-key"] == "kai.scheduler/node-pool"
    assert scheduler["partition-label-value"] == ""
    assert scheduler["resource-reservation-app-label"] == "kai-resource-reservation"
    conf = yaml.safe_load(Path(scheduler["scheduler-conf"]).read_text())
    assert conf["actions"].split(", ")[0] == "allocate"
    (tier,) = conf["tiers"]
    plugins = [plugin["name"] for plugin in tier["plugins"]]
    assert plugins[:2] == ["predicates", "proportion"]
    # None has exited (the supervisor would have started it again).
    assert {c.name: c.starts for c in commands.values()} == dict.fromkeys(commands, 1), (
        kai_stack.controllers.log_tail(20)
    )


def test_the_pod_group_controller_keeps_a_running_groups_resources(
    kai_stack: KaiStack, routed_api: Any
) -> None:
    spec = load_stack_file(kai_stack.stack.stack_file)
    job = ScenarioJob("research-status", cast(spec).borrower, 1, 1, cast(spec).pool)
    scenario_runner.create_objects(routed_api, job_objects(spec, job))
    group, version = KAI_PODGROUP_API.split("/")

    def allocated() -> bool:
        found = kube.custom(routed_api).get_namespaced_custom_object(
            group, version, job.team, "podgroups", job.name
        )
        return bool(((found.get("status") or {}).get("resourcesStatus") or {}).get("allocated"))

    try:
        assert kube.wait_until(allocated, timeout=60), kai_stack.controllers.log_tail(20)
    finally:
        scenario_runner.delete_job(routed_api, spec, job)


def test_second_up_changes_nothing(kai_stack: KaiStack) -> None:
    assert kai_stack.stack.up().changes == []


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_as_fleet_expect_says(
    kai_stack: KaiStack, routed_api: Any, scenario: Scenario
) -> None:
    spec = load_stack_file(kai_stack.stack.stack_file)
    check_scenario(routed_api, spec, scenario, kai_stack.controllers.log_tail)


def test_a_job_naming_a_gpu_product_runs_on_that_product(
    kai_stack: KaiStack, routed_api: Any
) -> None:
    spec = load_stack_file(kai_stack.stack.stack_file)
    check_a_product_job_runs_on_its_product(routed_api, spec, kai_stack.controllers.log_tail)


def test_destroy_leaves_no_crd_webhook_or_namespace_of_kai(
    kai_stack: KaiStack, routed_api: Any
) -> None:
    destroy_leaves_nothing(routed_api, kai_stack.stack)
