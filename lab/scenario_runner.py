"""Run the scheduler demo on a live cluster, step by step, and observe what the scheduler did.

Each step ends the jobs it says (their pods, and KAI's PodGroup or Kueue's Workload,
deleted, waited for), submits its jobs (the objects `fleet.schedulers.workloads` renders, created in
order), then polls the pods until every team's GPUs running and waiting equal
what `fleet expect` predicts and stay so for `STABLE_SECONDS`, or the timeout
passes; the step's observation is the last state seen. A gang partly running in that
state is recorded (while a gang starts, its pods turn Running one by one: only the
settled state counts). After the last step every job is deleted.
"""

import time
from dataclasses import dataclass, field
from typing import Any

from kubernetes.client.exceptions import ApiException

from fleet.render.nodes import GPU_RESOURCE
from fleet.schedulers.kueue import API_VERSION as KUEUE_API
from fleet.schedulers.scenarios import Scenario, ScenarioJob, TeamState
from fleet.schedulers.workloads import JOB_LABEL, KAI_PODGROUP_API, job_objects
from fleet.stack.spec import FleetSpec
from lab import kube

STEP_TIMEOUT = 90.0
STABLE_SECONDS = 3.0
POLL_SECONDS = 0.5


@dataclass
class Observed:
    """What one scenario showed: per step, each team's state; any gang seen half started."""

    steps: list[tuple[TeamState, ...]] = field(default_factory=list)
    half_started: list[str] = field(default_factory=list)
    seconds: float = 0.0


def job_pods(api: Any, job: ScenarioJob) -> list[dict[str, Any]]:
    return kube.items(
        kube.core(api).list_namespaced_pod, job.team, label_selector=f"{JOB_LABEL}={job.name}"
    )


def is_running(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    return (
        bool(pod["spec"].get("nodeName"))
        and status.get("phase") == "Running"
        and (pod["metadata"].get("deletionTimestamp") is None)
    )


def _gpus(pod: dict[str, Any]) -> int:
    limits = pod["spec"]["containers"][0]["resources"].get("limits") or {}
    return int(limits.get(GPU_RESOURCE, 0))


def observe(
    api: Any, spec: FleetSpec, jobs: list[ScenarioJob], half_started: list[str]
) -> tuple[TeamState, ...]:
    """Each team with a live job (in the stack's order of teams): its GPUs in running pods
    and still waiting; notes any job whose gang is partly running."""
    running: dict[str, int] = {}
    asked: dict[str, int] = {}
    for job in jobs:
        up = [pod for pod in job_pods(api, job) if is_running(pod)]
        if 0 < len(up) < job.pods:
            half_started.append(f"{job.name}: {len(up)} of {job.pods} pods running")
        running[job.team] = running.get(job.team, 0) + sum(_gpus(pod) for pod in up)
        asked[job.team] = asked.get(job.team, 0) + job.gpus
    teams = [team for team in spec.teams if team in asked]
    return tuple(TeamState(team, running[team], asked[team] - running[team]) for team in teams)


def delete_job(api: Any, spec: FleetSpec, job: ScenarioJob) -> None:
    core = kube.core(api)
    for pod in job_pods(api, job):
        try:
            core.delete_namespaced_pod(pod["metadata"]["name"], job.team, grace_period_seconds=0)
        except ApiException as error:
            if error.status != 404:
                raise
    # The scheduler's object of the gang: KAI's PodGroup; Kueue's Workload (named after the
    # pod group), without which Kueue never lifts its finalizer from the deleted pods of a
    # group it has not admitted (a gang refused by topology waits so forever).
    owner = {"kai": (KAI_PODGROUP_API, "podgroups"), "kueue": (KUEUE_API, "workloads")}
    if spec.scheduler in owner:
        api_version, plural = owner[spec.scheduler]
        group, version = api_version.split("/")
        try:
            kube.custom(api).delete_namespaced_custom_object(
                group, version, job.team, plural, job.name
            )
        except ApiException as error:
            if error.status != 404:
                raise
    gone = kube.wait_until(lambda: not job_pods(api, job), timeout=STEP_TIMEOUT)
    assert gone, f"the pods of {job.name} were not deleted within {STEP_TIMEOUT:.0f}s"


def create_objects(api: Any, job_objects_: list[dict[str, Any]]) -> None:
    for manifest in job_objects_:
        namespace = manifest["metadata"]["namespace"]
        if manifest["kind"] == "Pod":
            kube.core(api).create_namespaced_pod(namespace, manifest)
        else:
            group, version = manifest["apiVersion"].split("/")
            kube.custom(api).create_namespaced_custom_object(
                group, version, namespace, "podgroups", manifest
            )


def _settle(
    api: Any, spec: FleetSpec, jobs: list[ScenarioJob], expected: tuple[TeamState, ...]
) -> tuple[TeamState, ...]:
    deadline = time.monotonic() + STEP_TIMEOUT
    matched_since: float | None = None
    while True:
        state = observe(api, spec, jobs, [])
        now = time.monotonic()
        if state == expected:
            matched_since = matched_since if matched_since is not None else now
            if now - matched_since >= STABLE_SECONDS:
                return state
        else:
            matched_since = None
        if now > deadline:
            return state
        time.sleep(POLL_SECONDS)


def run_scenario(api: Any, spec: FleetSpec, scenario: Scenario) -> Observed:
    """Run every step; return what was observed after each (and delete every job after)."""
    observed = Observed()
    started = time.monotonic()
    live: list[ScenarioJob] = []
    try:
        for step in scenario.steps:
            for job in [j for j in live if j.name in step.finish]:
                delete_job(api, spec, job)
            live = [j for j in live if j.name not in step.finish]
            for job in step.submit:
                create_objects(api, job_objects(spec, job))
            live += step.submit
            _settle(api, spec, live, step.expected)
            observed.steps.append(observe(api, spec, live, observed.half_started))
    finally:
        for job in live:
            delete_job(api, spec, job)
    observed.seconds = time.monotonic() - started
    return observed
