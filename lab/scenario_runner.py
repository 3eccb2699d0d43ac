"""Run the scheduler demo on a live cluster, step by step, and observe what the scheduler did.

Each step ends the jobs it says (their pods, and KAI's PodGroup or Kueue's Workload,
deleted, waited for), submits its jobs (the objects `fleet.schedulers.workloads` renders, created in
order), then polls the pods until every team's GPUs running and waiting equal
what `fleet expect` predicts, every job with pods not running has the scheduler's
own decision that it waits (`lab/scheduler_decisions.py`: right after a job is created
"nothing happened yet" looks like "the scheduler said no"), and both hold for
`STABLE_SECONDS`; or the timeout passes. The step's observation is the last state
seen, with the waiting jobs the scheduler had not decided on. A gang whose pods are
partly bound (none of them terminating) for `HALF_START_SECONDS` at any poll of the
run is recorded as half started (while a gang starts its pods are bound one by one:
a moment's partial binding is not a half start). After the last step every job is
deleted.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from kubernetes.client.exceptions import ApiException

from fleet.render.nodes import GPU_RESOURCE
from fleet.schedulers.kueue import API_VERSION as KUEUE_API
from fleet.schedulers.scenarios import Scenario, ScenarioJob, TeamState
from fleet.schedulers.workloads import JOB_LABEL, KAI_PODGROUP_API, job_objects
from fleet.stack.spec import FleetSpec
from lab import kube
from lab.scheduler_decisions import read_decisions

STEP_TIMEOUT = 90.0
STABLE_SECONDS = 3.0
POLL_SECONDS = 0.5
HALF_START_SECONDS = 2.0


@dataclass
class Observed:
    """What one scenario showed: per step, each team's state; any gang seen half started;
    per step, the jobs left waiting without the scheduler's decision."""

    steps: list[tuple[TeamState, ...]] = field(default_factory=list)
    half_started: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Snapshot:
    """One poll: each team's state, waiting jobs without the scheduler's decision, and
    gangs partly bound (none of their pods terminating)."""

    state: tuple[TeamState, ...]
    undecided: tuple[str, ...] = ()
    partial: tuple[str, ...] = ()


class HalfStarts:
    """Gangs seen partly bound for `grace` seconds or more in a row, in the order seen."""

    def __init__(self, grace: float = HALF_START_SECONDS) -> None:
        self.grace = grace
        self.since: dict[str, float] = {}
        self.seen: list[str] = []

    def see(self, partial: Sequence[str], now: float) -> None:
        self.since = {job: start for job, start in self.since.items() if job in partial}
        for job in partial:
            start = self.since.setdefault(job, now)
            if now - start >= self.grace and job not in self.seen:
                self.seen.append(job)


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


def _bound(pod: dict[str, Any]) -> bool:
    return bool(pod["spec"].get("nodeName"))


def _terminating(pod: dict[str, Any]) -> bool:
    return pod["metadata"].get("deletionTimestamp") is not None


def evicted(pods: Sequence[dict[str, Any]]) -> bool:
    """A live job's pods all gone or going: the scheduler evicted them (the runner deletes
    only the jobs a step ends), its decision that the job waits."""
    return all(_terminating(pod) for pod in pods)


def partly_bound(job: ScenarioJob, pods: Sequence[dict[str, Any]]) -> bool:
    """A gang with some pods bound and some not, none of them terminating."""
    if job.pods < 2 or any(_terminating(pod) for pod in pods):
        return False
    bound = sum(1 for pod in pods if _bound(pod))
    return 0 < bound < job.pods


def _gpus(pod: dict[str, Any]) -> int:
    limits = pod["spec"]["containers"][0]["resources"].get("limits") or {}
    return int(limits.get(GPU_RESOURCE, 0))


def team_states(
    spec: FleetSpec, jobs: Sequence[ScenarioJob], pods: dict[str, list[dict[str, Any]]]
) -> tuple[TeamState, ...]:
    """Each team with a live job (in the stack's order of teams): its GPUs in running pods
    and still waiting."""
    running: dict[str, int] = {}
    asked: dict[str, int] = {}
    for job in jobs:
        up = [pod for pod in pods[job.name] if is_running(pod)]
        running[job.team] = running.get(job.team, 0) + sum(_gpus(pod) for pod in up)
        asked[job.team] = asked.get(job.team, 0) + job.gpus
    teams = [team for team in spec.teams if team in asked]
    return tuple(TeamState(team, running[team], asked[team] - running[team]) for team in teams)


def snapshot(api: Any, spec: FleetSpec, jobs: Sequence[ScenarioJob]) -> Snapshot:
    """One poll of the live jobs' pods and, for those not all running, the decisions."""
    pods = {job.name: job_pods(api, job) for job in jobs}
    waiting = [j for j in jobs if sum(1 for p in pods[j.name] if is_running(p)) < j.pods]
    undecided: list[str] = []
    if waiting:
        decisions = read_decisions(api, spec.scheduler, {job.team for job in waiting})
        for job in waiting:
            if evicted(pods[job.name]):
                continue
            uids = [pod["metadata"]["uid"] for pod in pods[job.name]]
            if not decisions.decided(job, uids):
                undecided.append(job.name)
    partial = tuple(job.name for job in jobs if partly_bound(job, pods[job.name]))
    return Snapshot(team_states(spec, jobs, pods), tuple(undecided), partial)


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


def settle(
    read: Callable[[], Snapshot],
    expected: tuple[TeamState, ...],
    half_starts: HalfStarts,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Snapshot:
    """Poll `read` until its state is `expected` with every waiting job decided, for
    `STABLE_SECONDS`, or `STEP_TIMEOUT` passes; the last snapshot. Every poll is shown to
    `half_starts`."""
    deadline = clock() + STEP_TIMEOUT
    matched_since: float | None = None
    while True:
        seen = read()
        now = clock()
        half_starts.see(seen.partial, now)
        if seen.state == expected and not seen.undecided:
            matched_since = matched_since if matched_since is not None else now
            if now - matched_since >= STABLE_SECONDS:
                return seen
        else:
            matched_since = None
        if now > deadline:
            return seen
        sleep(POLL_SECONDS)


def run_scenario(api: Any, spec: FleetSpec, scenario: Scenario) -> Observed:
    """Run every step; return what was observed after each (and delete every job after)."""
    observed = Observed()
    half_starts = HalfStarts()
    started = time.monotonic()
    live: list[ScenarioJob] = []
    try:
        for number, step in enumerate(scenario.steps, 1):
            for job in [j for j in live if j.name in step.finish]:
                delete_job(api, spec, job)
            live = [j for j in live if j.name not in step.finish]
            for job in step.submit:
                create_objects(api, job_objects(spec, job))
            live += step.submit
            seen = settle(partial(snapshot, api, spec, list(live)), step.expected, half_starts)
            observed.steps.append(seen.state)
            observed.undecided += [f"step {number}: {job}" for job in seen.undecided]
    finally:
        for job in live:
            delete_job(api, spec, job)
    observed.half_started = list(half_starts.seen)
    observed.seconds = time.monotonic() - started
    return observed
