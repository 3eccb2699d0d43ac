"""A scheduler stack file (stacks/Pulumi.lesson1-kueue.yaml, ...-kai.yaml) as the e2e tier
brings it up: its pools, scheduler and teams unchanged, the cluster section and the charts
of the tier's own (the session's kind of control plane, charts from source)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fleet.render.nodes import POOL_LABEL, PRODUCT_LABEL
from fleet.schedulers.release import KAI_RESERVATION_NAMESPACE
from fleet.schedulers.scenarios import Scenario, ScenarioJob, cast
from fleet.schedulers.workloads import JOB_LABEL, job_objects
from fleet.stack.load import load_stack_file
from fleet.stack.spec import PROJECT, SCHEDULER_NAMESPACES, FleetSpec
from lab import kube, scenario_runner, waits
from lab.charts import kai_chart, kueue_chart
from lab.cluster import Cluster
from lab.engine import FleetStack, Run
from lab.host_processes import Supervisor
from lab.lesson1 import lesson1_config
from lab.scheduler_hosts import scheduler_running
from tests.e2e.routed import RoutedLab
from tests.e2e.test_1_lesson1 import fake_nodes
from tests.paths import STACKS_DIR

NODES_TIMEOUT = 120.0
LEFTOVER_TIMEOUT = 60.0


@dataclass(frozen=True)
class SchedulerTraces:
    """What a scheduler puts in a cluster, by which its leftovers are found: its release's
    namespace and the other namespaces it uses, its CRDs' API groups, and the word in
    the names of its webhook configurations and APIServices."""

    namespaces: frozenset[str]
    crd_groups: tuple[str, ...]
    word: str


TRACES = {
    "kueue": SchedulerTraces(
        frozenset({SCHEDULER_NAMESPACES["kueue"]}), ("kueue.x-k8s.io",), "kueue"
    ),
    "kai": SchedulerTraces(
        frozenset({SCHEDULER_NAMESPACES["kai"], KAI_RESERVATION_NAMESPACE}),
        ("scheduling.run.ai", "kai.scheduler"),
        "kai",
    ),
}


def stack_file(scheduler: str) -> Path:
    return STACKS_DIR / f"Pulumi.lesson1-{scheduler}.yaml"


def scheduler_config(
    cluster: Cluster, scheduler: str, chart: Path, *, teams: bool, source: Path | None = None
) -> dict[str, Any]:
    """The stack file's config (lesson 1's of `scheduler`, or `source`) on `cluster`, under
    `scheduler`, its chart from `chart`; without `teams`, the scheduler alone (its
    controllers start before the teams' queues exist)."""
    document = yaml.safe_load((source or stack_file(scheduler)).read_text())["config"]
    own = {key.removeprefix(f"{PROJECT}:"): value for key, value in document.items()}
    config = lesson1_config(cluster, own["pools"])
    del config["demo"]  # the scheduler stacks run the scheduler demo instead
    config["scheduler"] = scheduler
    # No pod of the chart can start here: the release is not awaited, its hooks not run.
    config["schedulerRelease"] = {"chart": str(chart), "wait": False, "hooks": False}
    if teams:
        config["teams"] = own["teams"]
    return config


@dataclass
class SchedulerStack:
    stack: FleetStack
    scheduler_up: Run
    teams_up: Run
    controllers: Supervisor


def scheduler_stack(
    scheduler: str, name: str, lab: RoutedLab, source: Path | None = None
) -> Iterator[SchedulerStack]:
    """The fleet and the scheduler's release, its controllers on the host, then the teams'
    queues (Kueue's pass its webhooks, which serve only then): the stack `e2e-<name>` in a
    folder `name`, its config `scheduler_config`'s (from `source`, if given)."""
    workdir = lab.tmp_path_factory.mktemp(name)
    stack = FleetStack(lab.engine, workdir, f"e2e-{name}")
    chart = kueue_chart() if scheduler == "kueue" else kai_chart()

    def config(teams: bool) -> dict[str, Any]:
        return scheduler_config(lab.cluster, scheduler, chart, teams=teams, source=source)

    stack.write_config(config(teams=False))
    scheduler_up = stack.up()
    teams_up: list[Run] = []

    def up_with_teams() -> None:
        stack.write_config(config(teams=True))
        teams_up.append(stack.up())

    with scheduler_running(
        scheduler, lab.binaries, lab.cluster, lab.api, workdir, up_with_teams
    ) as running:
        assert running is not None
        yield SchedulerStack(stack, scheduler_up, teams_up[0], running)
        print(running.log_tail(5))


def check_scenario(
    api: Any, spec: FleetSpec, scenario: Scenario, log_tail: Callable[[int], str]
) -> None:
    """Run `scenario` on the stack's fleet: every step as `fleet expect` says, every job left
    waiting by the scheduler's own decision, no gang half started at any time; the
    scheduler's log tail (`log_tail(lines)`) is printed when a step differs."""
    waits.wait_for_nodes(api, spec.total_nodes, spec.total_gpus, NODES_TIMEOUT)
    observed = scenario_runner.run_scenario(api, spec, scenario)
    print(f"  {spec.scheduler} scenario {scenario.name}: {observed.seconds:.1f}s")
    expected = [step.expected for step in scenario.steps]
    if observed.steps != expected or observed.undecided:
        print(log_tail(30))
    assert observed.steps == expected
    assert observed.undecided == []
    assert observed.half_started == []


def product_job(spec: FleetSpec) -> tuple[ScenarioJob, list[dict[str, Any]]]:
    """A job of the scenarios' borrower, one pod of a whole node of another pool that the
    teams hold quota on, naming that pool's GPU product by node affinity instead of the
    pool: its objects as the scheduler takes them."""
    c = cast(spec)
    pool = next(
        name
        for name, p in spec.pools.items()
        if name != c.pool and sum(spec.team_quota(t).get(name, 0) for t in spec.teams) > 0
    )
    size = spec.pools[pool].gpus_per_node
    job = ScenarioJob(f"{c.borrower}-product", c.borrower, 1, size, pool)
    product = spec.pools[pool].product
    term = {"matchExpressions": [{"key": PRODUCT_LABEL, "operator": "In", "values": [product]}]}
    objects = job_objects(spec, job)
    for manifest in objects:
        if manifest["kind"] == "Pod":
            del manifest["spec"]["nodeSelector"]
            manifest["spec"]["affinity"] = {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}
                }
            }
    return job, objects


def check_a_product_job_runs_on_its_product(
    api: Any, spec: FleetSpec, log_tail: Callable[[int], str]
) -> None:
    """The borrower's job that names a GPU product (not a pool) runs on a node of that
    product, borrowing the idle quota there. Under Kueue this needs flavors that carry
    the product: one that selects by pool alone matches any product, and the job would be
    admitted into the first pool with quota, whose nodes it can never run on."""
    waits.wait_for_nodes(api, spec.total_nodes, spec.total_gpus, NODES_TIMEOUT)
    job, objects = product_job(spec)
    scenario_runner.create_objects(api, objects)
    try:

        def placed() -> bool:
            pods = kube.items(kube.core(api).list_namespaced_pod, job.team,
                              label_selector=f"{JOB_LABEL}={job.name}")  # fmt: skip
            return any((p.get("status") or {}).get("phase") == "Running" for p in pods)

        ran = kube.wait_until(placed, timeout=scenario_runner.STEP_TIMEOUT)
        if not ran:
            print(log_tail(30))
        assert ran, f"{job.name} (product {spec.pools[job.pool].product}) never ran"
        (pod,) = kube.items(kube.core(api).list_namespaced_pod, job.team,
                            label_selector=f"{JOB_LABEL}={job.name}")  # fmt: skip
        node = kube.raw(kube.core(api).read_node, pod["spec"]["nodeName"])
        assert node["metadata"]["labels"][POOL_LABEL] == job.pool
    finally:
        scenario_runner.delete_job(api, spec, job)


def active_cluster_queues(api: Any) -> dict[str, bool]:
    """Each Kueue ClusterQueue, and whether Kueue reports it active (it took the queue)."""
    queues = kube.custom(api).list_cluster_custom_object(
        "kueue.x-k8s.io", "v1beta2", "clusterqueues"
    )["items"]
    return {
        q["metadata"]["name"]: any(
            c["type"] == "Active" and c["status"] == "True"
            for c in q.get("status", {}).get("conditions", [])
        )
        for q in queues
    }


def scheduler_leftovers(api: Any, spec: FleetSpec) -> dict[str, list[str]]:
    """What is left of the stack's scheduler (`TRACES`) and of its teams' namespaces:
    CRDs, webhook configurations, APIServices and namespaces."""
    traces = TRACES[spec.scheduler]
    names = traces.namespaces | set(spec.teams)
    crds = kube.items(kube.extensions(api).list_custom_resource_definition)
    admission = kube.admission(api)
    webhooks = [
        *kube.items(admission.list_mutating_webhook_configuration),
        *kube.items(admission.list_validating_webhook_configuration),
    ]
    services = kube.items(kube.api_registration(api).list_api_service)
    word = traces.word
    return {
        "crds": [c["metadata"]["name"] for c in crds if c["spec"]["group"] in traces.crd_groups],
        "webhooks": [w["metadata"]["name"] for w in webhooks if word in w["metadata"]["name"]],
        "apiservices": [s["metadata"]["name"] for s in services if word in s["metadata"]["name"]],
        "namespaces": sorted(
            n["metadata"]["name"]
            for n in kube.items(kube.core(api).list_namespace)
            if n["metadata"]["name"] in names
        ),
    }


def destroy_leaves_nothing(api: Any, stack: FleetStack) -> None:
    """`pulumi destroy`, then: no resource in the state, no fake node, nothing of the
    scheduler or its teams (`scheduler_leftovers`)."""
    spec = load_stack_file(stack.stack_file)
    stack.destroy()
    assert stack.resource_names() == []

    def left_over() -> dict[str, list[str]]:
        left = scheduler_leftovers(api, spec)
        left["fake nodes"] = sorted(fake_nodes(api))
        return left

    # What the release's objects own (KAI's webhook configurations, owned by its Config)
    # goes with the garbage collector, a moment after them.
    kube.wait_until(lambda: not any(left_over().values()), timeout=LEFTOVER_TIMEOUT)
    left = left_over()
    assert left == {key: [] for key in left}
