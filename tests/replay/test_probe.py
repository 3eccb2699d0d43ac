"""The probe before a replay: the trace's busiest stretch, the Jobs it creates (asking for no
GPUs), the search for the fastest speed that holds, and `fleet replay` refusing bad speeds
before it touches a cluster."""

from pathlib import Path

import pytest

from fleet.cli import main
from fleet.replay.fidelity import Fidelity, LagFigures
from fleet.replay.jobs import JobShape, job_manifest
from fleet.replay.probe import PROBE_RUN_S, ProbeResult, busiest, fastest, probe_rows
from fleet.trace.model import TraceRow
from tests.paths import STACKS_DIR


def row(arrival: float, job: str, pods: int = 1) -> TraceRow:
    return TraceRow(
        arrival_s=arrival, job=job, pods=pods, gpus_per_pod=2, duration_s=500, priority=3,
        team="prod", offer="dra",
    )  # fmt: skip


ROWS = [row(0, "a"), row(100, "b", 4), row(130, "c"), row(150, "d"), row(400, "e", 2)]


def test_the_busiest_window_holds_the_most_pods() -> None:
    start, window = busiest(ROWS, 60)
    assert start == 100
    assert [r.job for r in window] == ["b", "c", "d"]
    start, window = busiest(ROWS, 10)
    assert (start, [r.job for r in window]) == (100, ["b"])


def test_probe_jobs_start_at_zero_run_briefly_and_ask_for_no_gpus() -> None:
    rows = probe_rows(busiest(ROWS, 60)[1], 100, speed=60)
    assert [(r.job, r.arrival_s, r.pods) for r in rows] == [
        ("probe60-0", 0, 4),
        ("probe60-1", 30, 1),
        ("probe60-2", 50, 1),
    ]
    assert {(r.duration_s, r.team, r.priority, r.offer) for r in rows} == {
        (PROBE_RUN_S * 60, None, None, "devicePlugin")
    }
    pod = job_manifest(rows[0], "gpu-replay", "x-probe-60", 60, JobShape(gpus=False))
    spec = pod["spec"]["template"]["spec"]
    assert spec["containers"][0].get("resources") is None
    assert "resourceClaims" not in spec
    assert pod["metadata"]["namespace"] == "gpu-replay"


def result(speed: float, p95: float) -> ProbeResult:
    lag = LagFigures(count=10, median=p95 / 2, p95=p95, max=p95)
    found = Fidelity(
        speed=speed,
        bound_s=60.0,
        stages={"start": lag, "end": lag},
        faithful=p95 * speed <= 60.0,
    )
    return ProbeResult(
        speed=speed, window_start_s=0, window_s=15 * speed, jobs=10, pods=10, wall_s=16,
        fidelity=found,
    )  # fmt: skip


def test_fastest_steps_down_while_the_latency_is_a_backlog_then_confirms() -> None:
    tried: list[float] = []

    def attempt(speed: float) -> ProbeResult:
        tried.append(speed)
        return result(speed, 2.0 if speed > 100 else 0.9)  # the lab slows down under load

    found, probes = fastest(attempt)
    # 480x: 2 s of lag, as latency, allows 15x (half the bound, 30, over 2 s); as a
    # backlog, 480 x 15 / 17 = 424x: the next lower speed is tried, and so on. 60x: 0.9 s x
    # 60 = 54 trace s holds, but above half the 60 s bound; 30x: 27 trace s, kept.
    assert (found, tried) == (30.0, [480.0, 240.0, 120.0, 60.0, 30.0])
    assert [p.holds for p in probes] == [False, False, False, True, True]


def test_fastest_jumps_to_the_speed_a_backlog_allows_and_gives_up_below_the_slowest() -> None:
    found, probes = fastest(lambda speed: result(speed, 120.0))
    assert found is None
    # 120 s behind in a 15 s window: the lab started Jobs at 15/135 of the rate asked.
    assert [p.speed for p in probes] == [480.0, 30.0, 2.0]


def write_trace(folder: Path) -> Path:
    trace = folder / "trace.csv"
    trace.write_text("arrival_s,job,gpus_per_pod,duration_s\n0,a,1,10\n")
    return trace


@pytest.mark.parametrize(
    ("speed", "message"),
    [
        ("fast", "argument --speed: must be a number (got 'fast')"),
        ("0", "argument --speed: must be greater than 0 (got 0)"),
    ],
)
def test_a_speed_that_is_not_a_positive_number_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], speed: str, message: str
) -> None:
    stack = STACKS_DIR / "Pulumi.lesson1.yaml"
    with pytest.raises(SystemExit):
        main(["replay", str(stack), str(write_trace(tmp_path)), "--speed", speed])
    assert message in capsys.readouterr().err


def test_auto_without_the_probe_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = STACKS_DIR / "Pulumi.lesson1.yaml"
    out = tmp_path / "out"
    args = ["--speed", "auto", "--no-probe", "--out", str(out)]
    assert main(["replay", str(stack), str(write_trace(tmp_path)), *args]) == 2
    assert "--speed: auto needs the probe: leave out --no-probe" in capsys.readouterr().err
    assert not out.exists()
