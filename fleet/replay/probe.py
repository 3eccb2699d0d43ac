"""A probe of the lab before a replay: can it keep up with the trace at a speed?

The probe replays the trace's busiest stretch of `PROBE_WALL_S` wall seconds at that
speed (the window of the trace with the most pods arriving), as Jobs whose pods ask for
no GPUs and run `PROBE_RUN_S` each: nothing waits for capacity, so every second between
a Job's due time and its pod Running, and between the pod's run and its end, is the
lab's own latency (the Job controller, the default scheduler, KWOK, and the CPU they
share). The speed holds when both stay within the trace's bound (`fidelity.bound_s`, the
same bound the replay is judged by). Its Jobs carry the replay label with their own
value (`<replay>-probe-<speed>`), so `fleet replay-clean` removes them too; they are
deleted when the probe ends.

`fastest` looks for the highest speed that holds, from `SPEEDS` down: after a probe that
fails, it tries the highest speed that either of two readings of its latency allows. Read
as the lab's own latency, the bound over it; read as a backlog (Jobs arriving faster than
the lab starts them, so the last ones wait the longest), the speed at which the window's
arrivals match the rate the lab did start them at. An overloaded probe's latency is mostly
backlog, which shrinks as the speed drops: the first reading alone would skip speeds that
hold. It keeps a speed whose probe stayed within `AUTO_SHARE` of the bound.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from kubernetes import client
from pydantic import BaseModel, ConfigDict

from fleet.files import files_out
from fleet.replay import driver
from fleet.replay.fidelity import Fidelity, JobMarks, fidelity
from fleet.replay.jobs import REPLAY_LABEL, JobShape
from fleet.trace.model import DEVICE_PLUGIN, TraceRow

PROBE_WALL_S = 15.0
PROBE_RUN_S = 1.0
PROBE_TIMEOUT_S = 60.0
GONE_TIMEOUT_S = 60.0
SPEEDS = (480.0, 240.0, 120.0, 60.0, 30.0, 15.0, 8.0, 4.0, 2.0, 1.0)
AUTO_SHARE = 0.5
"""`--speed auto` takes a speed whose probe stayed within this share of the bound: the
probe is 15 s on a fleet at rest, the run minutes on a loaded one (a 120x probe of the
bench trace at p95 80 trace s of a 120 s bound held; the run at 120x reached 142)."""


class ProbeResult(BaseModel):
    """One probe at one speed, as `replay.json` keeps it."""

    model_config = ConfigDict(extra="forbid")

    speed: float
    window_start_s: float
    """Trace seconds: where the busiest stretch starts."""
    window_s: float
    jobs: int
    pods: int
    wall_s: float
    fidelity: Fidelity

    @property
    def holds(self) -> bool:
        return self.fidelity.faithful

    @property
    def start_latency_s(self) -> float:
        """Median wall seconds from a probe Job's due time to its pod Running."""
        start = self.fidelity.stages.get("start")
        return start.median if start is not None else 0.0

    def describe(self) -> str:
        start = self.fidelity.stages.get("start")
        end = self.fidelity.stages.get("end")
        lags = (
            f"pods Running {start.median:.2f} s (median; p95 {start.p95:.2f}) of wall time "
            f"after their Job was due, ended {end.p95:.2f} s late (p95)"
            if start is not None and end is not None
            else "no pod ran"
        )
        verdict = "holds" if self.holds else "cannot be held: " + "; ".join(self.fidelity.causes)
        return (
            f"probe at {self.speed:g}x: the trace's busiest {self.window_s:,.0f} s (from "
            f"{self.window_start_s:,.0f} s, {self.pods} pods in {self.jobs} jobs): {lags}; "
            f"{verdict}"
        )


def busiest(rows: Sequence[TraceRow], span_s: float) -> tuple[float, list[TraceRow]]:
    """The window of `span_s` trace seconds (starting at an arrival) with the most pods."""
    ordered = sorted(rows, key=lambda row: row.arrival_s)
    best, best_pods, pods, first = 0, -1, 0, 0
    for row in ordered:
        pods += row.pods
        while ordered[first].arrival_s <= row.arrival_s - span_s:
            pods -= ordered[first].pods
            first += 1
        if pods > best_pods:
            best, best_pods = first, pods
    if not ordered:
        return 0.0, []
    start = ordered[best].arrival_s
    return start, [row for row in ordered[best:] if row.arrival_s < start + span_s]


def probe_rows(window: Sequence[TraceRow], start_s: float, speed: float) -> list[TraceRow]:
    """The window's jobs as the probe creates them: from 0, named `probe<speed>-<n>`, running
    `PROBE_RUN_S` of wall time, without priority, team or claim."""
    return [
        row.model_copy(
            update={
                "job": f"probe{speed:g}-{number}".replace(".", "-"),
                "arrival_s": row.arrival_s - start_s,
                "duration_s": PROBE_RUN_S * speed,
                "priority": None,
                "team": None,
                "offer": DEVICE_PLUGIN,
            }
        )
        for number, row in enumerate(window)
    ]


def probe(
    api: client.ApiClient,
    rows: Sequence[TraceRow],
    bound: float,
    speed: float,
    namespace: str,
    replay_id: str,
    out: Path,
) -> ProbeResult:
    """Run the probe at `speed` and delete its Jobs; `bound`: the trace's (trace seconds)."""
    start, window = busiest(rows, PROBE_WALL_S * speed)
    probed = probe_rows(window, start, speed)
    label = f"{replay_id}-probe-{speed:g}".replace(".", "-")
    folder = out / "probe"
    files_out.make_folder(folder)
    plan = driver.ReplayPlan(
        probed,
        namespace,
        label,
        speed,
        JobShape(gpus=False),
        PROBE_TIMEOUT_S,
    )
    marks = {
        row.job: JobMarks(row.arrival_s / speed, row.pods, PROBE_RUN_S, frozenset(range(row.pods)))
        for row in probed
    }
    plan = replace(plan, marks=marks)
    try:
        run = driver.run(api, plan, folder, lambda _: None)
    finally:
        _delete(api, namespace, label)
    found = fidelity(bound, marks, run.created, run.pods, speed, run.finished)
    return ProbeResult(
        speed=speed,
        window_start_s=start,
        window_s=PROBE_WALL_S * speed,
        jobs=len(probed),
        pods=sum(row.pods for row in probed),
        wall_s=run.wall_s,
        fidelity=found,
    )


def _delete(api: client.ApiClient, namespace: str, label: str) -> None:
    """The probe's Jobs and pods, gone (or `GONE_TIMEOUT_S` passed) before the replay."""
    selector = f"{REPLAY_LABEL}={label}"
    batch, core = client.BatchV1Api(api), client.CoreV1Api(api)
    batch.delete_collection_namespaced_job(
        namespace, label_selector=selector, propagation_policy="Background"
    )
    deadline = time.monotonic() + GONE_TIMEOUT_S
    while time.monotonic() < deadline:
        pods = core.list_namespaced_pod(namespace, label_selector=selector, limit=1).items
        jobs = batch.list_namespaced_job(namespace, label_selector=selector, limit=1).items
        if not pods and not jobs:
            return
        time.sleep(1.0)


def fastest(
    attempt: Callable[[float], ProbeResult], top: float = SPEEDS[0]
) -> tuple[float | None, list[ProbeResult]]:
    """The highest speed of `SPEEDS` (at most `top`) whose probe holds with `AUTO_SHARE` of
    the bound, and every probe run; None when not even the slowest does."""
    tried: list[ProbeResult] = []
    candidates = [speed for speed in SPEEDS if speed <= top]
    while candidates:
        result = attempt(candidates[0])
        tried.append(result)
        if (
            result.holds
            and _worst_p95(result) * result.speed <= AUTO_SHARE * result.fidelity.bound_s
        ):
            return result.speed, tried
        fits = _fitting_speed(result)
        candidates = [speed for speed in candidates[1:] if speed <= fits]
    return None, tried


def _worst_p95(result: ProbeResult) -> float:
    stages = result.fidelity.stages
    return max((stages[stage].p95 for stage in ("start", "end") if stage in stages), default=0.0)


def _fitting_speed(result: ProbeResult) -> float:
    """The highest speed this probe's latency allows, read as latency (within `AUTO_SHARE`
    of the bound) or as backlog."""
    stages = result.fidelity.stages
    measured = [stages[stage] for stage in ("start", "end") if stage in stages]
    worst = _worst_p95(result)
    if worst <= 0:
        return result.speed / 2
    as_latency = AUTO_SHARE * result.fidelity.bound_s / worst
    # The window's Jobs were due over PROBE_WALL_S; the last started `latest` after its due.
    latest = max(figures.max for figures in measured)
    as_backlog = result.speed * PROBE_WALL_S / (PROBE_WALL_S + latest)
    return max(as_latency, as_backlog)
