"""How far a replay is behind its trace: each stage's lag from the pods' observed times, the
live lag of steps still outstanding, the verdict against the bound and its cause."""

from fleet.replay.fidelity import (
    LAG_SHARE,
    WAIT_SHARE,
    JobMarks,
    bound_s,
    fidelity,
    job_marks,
    live_lags,
    stage_lags,
    summary,
)
from fleet.replay.observe import PodTimes
from fleet.replay.runs import PodRun
from fleet.trace.model import TraceRow

ROWS = [
    TraceRow(arrival_s=0, job="a", gpus_per_pod=1, duration_s=600),
    TraceRow(arrival_s=60, job="b", pods=2, gpus_per_pod=1, duration_s=1200),
]
SPEED = 60.0


def marks() -> dict[str, JobMarks]:
    predicted = [
        PodRun("a", 0, 1, 0.0, start_s=0.0),
        PodRun("b", 0, 1, 60.0, start_s=60.0),
        PodRun("b", 1, 1, 60.0, start_s=300.0),  # queues for GPUs in the prediction
    ]
    return job_marks(ROWS, SPEED, predicted)


def test_job_marks_keep_due_times_runs_and_the_pods_predicted_to_start_on_arrival() -> None:
    planned = marks()
    assert planned["a"] == JobMarks(0.0, 1, 10.0, frozenset({0}), gpus=1)
    assert planned["b"] == JobMarks(1.0, 2, 20.0, frozenset({0}), gpus=1)


def test_each_stage_lags_from_the_step_before_it_and_bind_only_for_pods_not_queued() -> None:
    created = {"a": 0.2, "b": 1.1}
    pods = [
        PodTimes(
            "ns/a-0",
            "a",
            0,
            created=0.5,
            node="n",
            bound=0.7,
            running=1.0,
            finished=11.5,
            phase="Succeeded",
        ),
        PodTimes(
            "ns/b-0",
            "b",
            0,
            created=1.4,
            node="n",
            bound=1.5,
            running=1.6,
            finished=21.6,
            phase="Succeeded",
        ),
        # Predicted to queue: its 5 s before binding are the figure, not lag.
        PodTimes("ns/b-1", "b", 1, created=1.4, node="n", bound=6.4, running=6.5),
    ]
    lags = stage_lags(marks(), created, pods)
    rounded = {stage: [round(value, 2) for value in values] for stage, values in lags.items()}
    assert rounded == {
        "job": [0.2, 0.1],
        "pod": [0.3, 0.3, 0.3],
        "bind": [0.2, 0.1],
        "run": [0.3, 0.1, 0.1],
        "start": [1.0, 0.6],
        "end": [0.5, 0.0],
    }


def waiting_on_a_full_node() -> list[PodTimes]:
    """a's pod holds a GPU of node n until 11.5 s; b's first pod, predicted to start on
    arrival, was bound to that node when a's ended: it waited for room, it did not lag."""
    return [
        PodTimes("ns/a-0", "a", 0, created=0.5, node="n", bound=0.7, running=1.0,
                 finished=11.5, phase="Succeeded"),
        PodTimes("ns/b-0", "b", 0, created=1.4, node="n", bound=11.8, running=12.0,
                 finished=32.0, phase="Succeeded"),
    ]  # fmt: skip


def test_a_pod_that_waited_for_room_on_its_node_lags_only_from_when_the_room_was_there() -> None:
    lags = stage_lags(marks(), {"a": 0.2, "b": 1.1}, waiting_on_a_full_node(), {"n": 1})
    assert [round(value, 2) for value in lags["bind"]] == [0.2, 0.3]  # 11.8 - 11.5
    assert [round(value, 2) for value in lags["start"]] == [1.0, 0.9]  # 12.0 - 1.0 - 10.1


def test_a_pod_whose_node_had_room_lags_from_its_creation() -> None:
    # The same times on a node with a GPU to spare: the scheduler took 10.4 s to bind.
    lags = stage_lags(marks(), {"a": 0.2, "b": 1.1}, waiting_on_a_full_node(), {"n": 2})
    assert [round(value, 2) for value in lags["bind"]] == [0.2, 10.4]
    # A node of unknown size counts as having had room.
    unknown = stage_lags(marks(), {"a": 0.2, "b": 1.1}, waiting_on_a_full_node(), {})
    assert [round(value, 2) for value in unknown["bind"]] == [0.2, 10.4]


def test_the_live_lag_counts_steps_still_outstanding_and_recent_ones_only() -> None:
    created = {"a": 0.2}
    pods = [PodTimes("ns/a-0", "a", 0, created=0.5, node="n", bound=0.7, running=1.0)]
    # At 30 s: b is 29 s overdue; a's pod should have ended at 11 s; a's old steps are not
    # recent any more.
    assert live_lags(30.0, marks(), created, pods) == {
        "job": 29.0,
        "pod": 0.0,
        "bind": 0.0,
        "run": 0.0,
        "end": 19.0,
    }
    # At 2 s: a's steps are recent; b was due at 1 s and is not created yet.
    assert live_lags(2.0, marks(), created, pods) == {
        "job": 1.0,
        "pod": 0.3,
        "bind": 0.2,
        "run": 0.3,
        "end": 0.0,
    }


def test_a_job_whose_pods_the_job_controller_has_not_made_lags_from_its_creation() -> None:
    lags = live_lags(5.0, marks(), {"a": 0.2, "b": 1.0}, [])
    assert lags["pod"] == 4.8  # a's pod, missing since 0.2 s


def test_the_bound_is_a_share_of_the_median_duration_or_of_the_predicted_wait() -> None:
    assert bound_s(ROWS, predicted_wait_s=0.1) == LAG_SHARE * 900
    assert bound_s(ROWS, predicted_wait_s=500) == WAIT_SHARE * 500


def pods_at(start_lag: float, end_lag: float) -> list[PodTimes]:
    return [
        PodTimes(
            "ns/a-0",
            "a",
            0,
            created=0.1,
            node="n",
            bound=0.1 + start_lag / 2,
            running=start_lag,
            finished=start_lag + 10 + end_lag,
            phase="Succeeded",
        ),
    ]


def test_a_run_within_the_bound_is_faithful() -> None:
    found = fidelity(bound_s(ROWS, 0.0), marks(), {"a": 0.1}, pods_at(0.5, 0.2), SPEED, True)
    assert found.faithful
    assert found.causes == []
    assert found.stages["start"].p95 == 0.5
    text = summary(found)
    assert text.startswith("**Faithful**: the lab kept up with the trace at 60x")
    assert "45 trace s, 5% of the trace's median pod duration or 20% of its predicted" in text
    assert "ran 30 trace s (median; p95 30) after their arrival" in text


def test_a_run_behind_the_bound_is_drifted_and_names_the_stage_behind_it() -> None:
    found = fidelity(bound_s(ROWS, 0.0), marks(), {"a": 0.1}, pods_at(3.0, 2.0), SPEED, True)
    assert not found.faithful
    start, end = found.causes
    assert start.startswith("pods started up to 180 trace s (p95; 3.0 s of wall time)")
    assert "the largest stage: the scheduler binding pods (p95 1.5 s" in start
    assert end.startswith("pods ended up to 120 trace s (p95; 2.0 s of wall time)")
    assert summary(found).startswith("**Drifted**: the lab fell behind the trace at 60x")


def test_a_replay_that_stopped_before_every_job_finished_is_drifted() -> None:
    found = fidelity(bound_s(ROWS, 0.0), marks(), {"a": 0.1}, pods_at(0.5, 0.2), SPEED, False)
    assert found.causes == ["not every job finished before the replay stopped waiting"]
