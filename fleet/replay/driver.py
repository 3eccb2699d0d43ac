"""Run a trace on a live cluster: create each row's Job at its arrival time divided by the
speed, watch the pods until every job has finished, and return what was observed.

Jobs are created from a small pool of threads, so that a burst of arrivals is not
serialised behind one connection; each name is appended to `jobs.txt` in the output
folder as soon as it exists, so that an interrupted replay leaves a list of what it
created (and `fleet replay-clean` removes them all by their label). Every `LAG_EVERY_S`
the driver measures how far each stage is behind the trace (`fidelity.live_lags`), tells
its display and keeps the sample.
"""

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from fleet.replay.fidelity import JobMarks, LagSample, live_lags
from fleet.replay.jobs import (
    REPLAY_LABEL,
    JobShape,
    claim_template,
    job_manifest,
    job_namespace,
    priority_class,
)
from fleet.replay.observe import PodTimes, PodWatch
from fleet.trace.model import DRA, TraceRow

CREATORS = 4
TICK_S = 0.25
LAG_EVERY_S = 1.0
ACCOUNT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ReplayPlan:
    rows: Sequence[TraceRow]
    namespace: str
    replay: str
    speed: float
    shape: JobShape = field(default_factory=JobShape)
    timeout_s: float = 600.0
    """Wall seconds to wait, after the last job is created, for every job to finish."""
    marks: dict[str, JobMarks] = field(default_factory=dict)
    """Per job, what the live lag needs (`fidelity.job_marks`); none: no live lag."""

    @property
    def namespaces(self) -> list[str]:
        """Where the Jobs go: `namespace`, or their teams' namespaces."""
        return sorted({job_namespace(row, self.namespace) for row in self.rows})


@dataclass
class Progress:
    """What the driver tells its display on every tick."""

    jobs_created: int
    jobs: int
    pods: dict[str, int]
    wall_s: float
    speed: float
    lags: dict[str, float]
    """Per stage, how far the lab is behind the trace now (wall seconds)."""


@dataclass
class ReplayRun:
    pods: list[PodTimes]
    wall_s: float
    jobs_created: int
    create_lag_s: list[float]
    """Per job: wall seconds between its due time and its create request returning."""
    finished: bool
    created: dict[str, float] = field(default_factory=dict)
    """Per job: wall seconds since the start at which its create request returned."""
    series: list[LagSample] = field(default_factory=list)
    """The live lags, every `LAG_EVERY_S`."""


class ReplayError(RuntimeError):
    """The cluster refused something the replay needs; `str()` says what."""


def prepare(api: client.ApiClient, plan: ReplayPlan) -> None:
    """The namespaces (those missing, each with its default ServiceAccount), a
    PriorityClass per priority the trace uses and a ResourceClaimTemplate per GPU count
    its DRA rows ask for (in each namespace that has such rows)."""
    core = client.CoreV1Api(api)
    for namespace in plan.namespaces:
        body = {"metadata": {"name": namespace, "labels": {REPLAY_LABEL: plan.replay}}}
        try:
            core.create_namespace(body)  # type: ignore[arg-type]
        except ApiException as error:
            if error.status != 409:
                raise ReplayError(f"cannot create namespace {namespace}: {error.reason}") from None
        _await_default_account(core, namespace)
    scheduling = client.SchedulingV1Api(api)
    for priority in sorted({row.priority for row in plan.rows if row.priority is not None}):
        try:
            scheduling.create_priority_class(priority_class(priority, plan.replay))  # type: ignore[arg-type]
        except ApiException as error:
            if error.status != 409:
                raise ReplayError(f"cannot create a PriorityClass: {error.reason}") from None
    resource = client.ResourceV1Api(api)
    claims = {
        (job_namespace(row, plan.namespace), row.gpus_per_pod)
        for row in plan.rows
        if row.asks_by == DRA
    }
    for namespace, gpus in sorted(claims):
        template = claim_template(gpus, namespace, plan.replay)
        try:
            resource.create_namespaced_resource_claim_template(namespace, template)  # type: ignore[arg-type]
        except ApiException as error:
            if error.status != 409:
                raise ReplayError(
                    f"cannot create a ResourceClaimTemplate (does the cluster serve "
                    f"resource.k8s.io/v1?): {error.reason}"
                ) from None


def _await_default_account(core: client.CoreV1Api, namespace: str) -> None:
    """A new namespace's pods cannot be created until its `default` ServiceAccount exists:
    the Job controller would retry them seconds late, which would read as its lag."""
    deadline = time.monotonic() + ACCOUNT_TIMEOUT_S
    while True:
        try:
            core.read_namespaced_service_account("default", namespace)
            return
        except ApiException as error:
            if error.status != 404:
                raise ReplayError(f"cannot read namespace {namespace}: {error.reason}") from None
        if time.monotonic() > deadline:
            raise ReplayError(
                f"namespace {namespace} has no default ServiceAccount after "
                f"{ACCOUNT_TIMEOUT_S:.0f} s: its pods cannot be created"
            )
        time.sleep(0.2)


def run(
    api: client.ApiClient,
    plan: ReplayPlan,
    out: Path,
    tick: Callable[[Progress], None],
) -> ReplayRun:
    prepare(api, plan)
    batch = client.BatchV1Api(api)
    started = time.monotonic()
    watch = PodWatch(api, plan.namespaces, f"{REPLAY_LABEL}={plan.replay}", started)
    watch.start()
    pods_total = sum(row.pods for row in plan.rows)
    lags: list[float] = []
    created: dict[str, float] = {}
    series: list[LagSample] = []
    listing = (out / "jobs.txt").open("a", encoding="utf-8")

    def create(row: TraceRow, due: float) -> None:
        manifest = job_manifest(row, plan.namespace, plan.replay, plan.speed, plan.shape)
        namespace = manifest["metadata"]["namespace"]
        batch.create_namespaced_job(namespace, manifest)  # type: ignore[arg-type]
        done = time.monotonic() - started
        created[row.job] = done
        lags.append(done - due)
        listing.write(f"{namespace}/{row.job}\n")
        listing.flush()

    def report() -> dict[str, int]:
        counts = watch.counts()
        now = time.monotonic() - started
        if plan.marks and (not series or now - series[-1].wall_s >= LAG_EVERY_S):
            behind = live_lags(now, plan.marks, dict(created), watch.snapshot())
            series.append(LagSample(wall_s=round(now, 2), lags=behind))
        current = series[-1].lags if series else {}
        tick(Progress(len(lags), len(plan.rows), counts, now, plan.speed, current))
        if watch.error is not None:
            raise ReplayError(f"watching the replay's pods failed: {watch.error}")
        return counts

    futures: list[Future[None]] = []
    try:
        with ThreadPoolExecutor(CREATORS, thread_name_prefix="create-job") as pool:
            for row in plan.rows:
                due = row.arrival_s / plan.speed
                while (now := time.monotonic() - started) < due:
                    report()
                    time.sleep(min(TICK_S, due - now))
                futures.append(pool.submit(create, row, due))
                _raise_failed(futures)
            for future in futures:
                future.result()
        deadline = time.monotonic() + plan.timeout_s
        finished = False
        while time.monotonic() < deadline:
            if report()["finished"] >= pods_total:
                finished = True
                break
            time.sleep(TICK_S)
        report()
        return ReplayRun(
            watch.snapshot(),
            time.monotonic() - started,
            len(lags),
            lags,
            finished,
            dict(created),
            series,
        )
    finally:
        watch.stop()
        listing.close()


def _raise_failed(futures: list[Future[None]]) -> None:
    for future in futures[-CREATORS * 2 :]:
        if future.done() and (error := future.exception()) is not None:
            reason = error.reason if isinstance(error, ApiException) else error
            raise ReplayError(f"creating a Job failed: {reason}")
