"""Run the topology demo on a live cluster, step by step, and observe where the scheduler put
each gang (docs/schedulers.md, "The topology demo").

Each step ends and submits its jobs as the scheduler demo's runner does
(`lab.scenario_runner`), then polls until every gang's observed placement equals the
prediction and stays so for `STABLE_SECONDS`, or the timeout passes. A gang's placement
is read from its pods and their nodes' labels: running when all its pods run (a gang
partly running is recorded as half started), and then the number of distinct racks and
blocks its nodes are in. A gang the model refuses as impossible is one that does not
run; live it waits like any other (that it never can is the prediction's to say), so a
refused gang is compared as waiting. Free and stranded GPUs follow from the observed
placements as the model computes them.
"""

import time
from dataclasses import dataclass, field
from typing import Any

from fleet.schedulers.scenarios import ScenarioJob
from fleet.schedulers.topology_scenarios import Placement, TopologyScenario
from fleet.schedulers.workloads import job_objects
from fleet.stack.spec import FleetSpec
from lab import kube
from lab.scenario_runner import (
    POLL_SECONDS,
    STABLE_SECONDS,
    STEP_TIMEOUT,
    create_objects,
    delete_job,
    is_running,
    job_pods,
)


@dataclass
class ObservedStep:
    placements: tuple[Placement, ...]
    free_gpus: int
    # Per gang, the racks its running pods are in (the report's placement per rack).
    racks: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class TopologyObserved:
    steps: list[ObservedStep] = field(default_factory=list)
    half_started: list[str] = field(default_factory=list)
    seconds: float = 0.0


def as_observable(placement: Placement) -> Placement:
    """What a live cluster can show of a prediction: refused reads as waiting."""
    if placement.state == "refused":
        return Placement(placement.job, "waiting")
    return placement


def _node_levels(api: Any, spec: FleetSpec, pool: str) -> dict[str, tuple[str, str]]:
    """Each node of `pool`: its rack and block label values ("" where it has none)."""
    topology = spec.pools[pool].topology
    assert topology is not None, f"pool {pool} has no topology"
    levels = topology.levels
    nodes = kube.items(kube.core(api).list_node, label_selector=f"gpu-pool={pool}")
    return {
        n["metadata"]["name"]: (
            n["metadata"]["labels"].get(levels.rack, ""),
            n["metadata"]["labels"].get(levels.block, ""),
        )
        for n in nodes
    }


def observe(
    api: Any, spec: FleetSpec, jobs: list[ScenarioJob], half_started: list[str]
) -> ObservedStep:
    placements = []
    racks: dict[str, list[str]] = {}
    used = 0
    levels = _node_levels(api, spec, jobs[0].pool) if jobs else {}
    for job in jobs:
        up = [pod for pod in job_pods(api, job) if is_running(pod)]
        if 0 < len(up) < job.pods:
            half_started.append(f"{job.name}: {len(up)} of {job.pods} pods running")
        if len(up) < job.pods:
            placements.append(Placement(job.name, "waiting"))
            continue
        where = [levels.get(pod["spec"]["nodeName"], ("", "")) for pod in up]
        racks[job.name] = sorted(rack for rack, _ in where)
        used += job.gpus
        placements.append(
            Placement(
                job.name,
                "running",
                len({rack for rack, _ in where}),
                len({block for _, block in where}),
            )
        )
    free = spec.pools[jobs[0].pool].gpus - used if jobs else 0
    return ObservedStep(tuple(placements), free, racks)


def _settle(
    api: Any, spec: FleetSpec, jobs: list[ScenarioJob], expected: tuple[Placement, ...]
) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT
    matched_since: float | None = None
    while True:
        state = observe(api, spec, jobs, []).placements
        now = time.monotonic()
        if state == expected:
            matched_since = matched_since if matched_since is not None else now
            if now - matched_since >= STABLE_SECONDS:
                return
        else:
            matched_since = None
        if now > deadline:
            return
        time.sleep(POLL_SECONDS)


def run_topology_scenario(
    api: Any, spec: FleetSpec, scenario: TopologyScenario
) -> TopologyObserved:
    """Run every step; return what was observed after each (and delete every job after)."""
    observed = TopologyObserved()
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
            expected = tuple(as_observable(p) for p in step.expected)
            _settle(api, spec, live, expected)
            observed.steps.append(observe(api, spec, live, observed.half_started))
    finally:
        for job in live:
            delete_job(api, spec, job)
    observed.seconds = time.monotonic() - started
    return observed
