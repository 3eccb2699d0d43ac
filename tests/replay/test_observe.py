"""The observed timeline: the watch's namespaces, and pods a scheduler deletes while they run
(preemption, reclaim), which held GPUs while their job's replacement pod is the job's run."""

from typing import Any

from fleet.replay.compare import wait_parts
from fleet.replay.fleet_nodes import GpuNode
from fleet.replay.observe import PodTimes, PodWatch, observed_runs
from fleet.replay.runs import PodRun
from fleet.replay.timeline import timeline
from fleet.trace.model import TraceRow

NODES = [GpuNode("n0", "a", "X", 8)]
ROW = TraceRow(arrival_s=0, job="j", gpus_per_pod=4, duration_s=100, team="prod")


def pod(name: str, phase: str, node: str | None = "n0") -> dict[str, Any]:
    labels = {"batch.kubernetes.io/job-name": "j", "batch.kubernetes.io/job-completion-index": "0"}
    return {
        "metadata": {"name": name, "namespace": "prod", "labels": labels},
        "spec": {"nodeName": node},
        "status": {"phase": phase},
    }


def test_a_pod_deleted_while_running_ends_then_and_one_deleted_after_it_finished_does_not() -> None:
    watch = PodWatch(None, ["prod"], "x", started=0.0)  # type: ignore[arg-type]
    watch.see(pod("j-0-a", "Running"))
    watch.see(pod("j-0-a", "Running"), deleted=True)
    watch.see(pod("j-0-b", "Succeeded"))
    watch.see(pod("j-0-b", "Succeeded"), deleted=True)
    first, second = sorted(watch.snapshot(), key=lambda times: times.name)
    assert (first.name, first.phase, first.finished is not None) == ("prod/j-0-a", "Deleted", True)
    assert second.phase == "Succeeded"


def test_an_evicted_pod_holds_gpus_but_its_replacement_is_the_jobs_run() -> None:
    evicted = PodTimes("prod/j-0-a", "j", 0, created=0.0, node="n0", bound=0.5, running=1.0,
                       finished=3.0, phase="Deleted")  # fmt: skip
    replacement = PodTimes("prod/j-0-b", "j", 0, created=3.5, node="n0", bound=4.0,
                           running=5.0, finished=7.0, phase="Succeeded")  # fmt: skip
    runs = observed_runs([ROW], NODES, [replacement, evicted], speed=10)
    assert [(run.evicted, run.start_s, run.end_s) for run in runs] == [
        (True, 10.0, 30.0),
        (False, 50.0, 70.0),
    ]
    seen = timeline([ROW], NODES, runs)
    assert seen.gpu_hours["a"] == 4 * (20 + 20) / 3600  # both held 4 GPUs
    assert (seen.pods, seen.pods_finished, seen.jobs_finished) == (1, 1, 1)
    assert seen.waits_s == [50.0]


def test_a_job_whose_only_pod_was_evicted_has_not_run() -> None:
    evicted = PodTimes("prod/j-0-a", "j", 0, created=0.0, node="n0", bound=0.5, running=1.0,
                       finished=3.0, phase="Deleted")  # fmt: skip
    runs = observed_runs([ROW], NODES, [evicted], speed=10)
    assert [(run.evicted, run.start_s) for run in runs] == [(True, 10.0), (False, None)]
    seen = timeline([ROW], NODES, runs)
    assert (seen.jobs_finished, seen.waits_s) == (0, [])


def test_an_evicted_pod_is_not_a_run_that_ended_early_in_the_wait_parts() -> None:
    evicted = PodRun("j", 0, 4, 0.0, start_s=10.0, end_s=30.0, node="n0", pool="a", evicted=True)
    kept = PodRun("j", 0, 4, 0.0, start_s=50.0, end_s=151.0, node="n0", pool="a", bound_s=49.0)
    parts = wait_parts([ROW], [], [evicted, kept])
    assert (parts.running, parts.bound, parts.overrun) == (50.0, 49.0, 1.0)


def test_the_watch_lists_one_namespace_or_every_namespace_when_teams_spread_the_jobs() -> None:
    one = PodWatch(None, ["gpu-replay"], "x", started=0.0)  # type: ignore[arg-type]
    lister, where = one._lister()
    assert (lister.__name__, where) == ("list_namespaced_pod", ("gpu-replay",))
    teams = PodWatch(None, ["prod", "research"], "x", started=0.0)  # type: ignore[arg-type]
    lister, where = teams._lister()
    assert (lister.__name__, where) == ("list_pod_for_all_namespaces", ())
