"""A replay on the lesson-1 fleet under the real engine: KWOK from the program's `Kwok`
component (its job-complete Stage ends each pod after its duration), a generated trace of
a few hundred pods replayed at 60x by `fleet replay`, the observed timeline checked against
`fleet expect --trace`'s prediction, the report written, and Ctrl-C leaving a list and one
clean-up command (the replay and its checks: `tests/e2e/replay_checks.py`). On a control
plane of its own (about 2 minutes of replay).
"""

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fleet.render.kwok import JOB_COMPLETE_STAGE
from fleet.replay.document import load_replay
from fleet.replay.jobs import REPLAY_LABEL
from lab import kube
from lab.lesson1 import LESSON1_POOLS
from lab.paths import ROOT
from lab.replay_fleet import ReplayFleet, replay_fleet
from lab.tools import Engine
from tests.e2e.replay_checks import (
    NAMESPACE,
    assert_follows_prediction,
    replay,
    replay_objects,
)
from tests.e2e.test_1_lesson1 import fleet_cli

pytestmark = pytest.mark.e2e

JOBS, SPAN_S = 200, 5400


@pytest.fixture(scope="module")
def fleet(
    binaries: dict[str, Path], engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReplayFleet]:
    workdir = tmp_path_factory.mktemp("replay")
    with replay_fleet(binaries, engine, workdir, "e2e-replay", LESSON1_POOLS) as created:
        yield created


def test_the_kwok_component_installs_the_job_complete_stage(fleet: ReplayFleet) -> None:
    stages = kube.custom(fleet.api).list_cluster_custom_object(
        "kwok.x-k8s.io", "v1alpha1", "stages"
    )
    names = {item["metadata"]["name"] for item in stages["items"]}
    assert {JOB_COMPLETE_STAGE, "pod-complete", "pod-ready"} <= names


def test_a_replay_follows_its_prediction(fleet: ReplayFleet, tmp_path: Path) -> None:
    stack_file = str(fleet.stack.stack_file)
    replayed = replay(stack_file, tmp_path, "diurnal", JOBS, SPAN_S)
    pods = sum(row.pods for row in replayed.document.rows)
    assert replayed.prediction["pods_by_offer"] == {"devicePlugin": pods}
    assert_follows_prediction(replayed, JOBS)

    out = tmp_path / "replay"
    report = fleet_cli("report", str(out))
    assert report.returncode == 0, report.stderr
    page = (out / "report.html").read_text()
    assert '<figure id="chart-gpus"><svg' in page
    cleaned = fleet_cli("replay-clean", stack_file)
    assert cleaned.returncode == 0, cleaned.stderr
    assert f"deleted {JOBS} jobs" in cleaned.stdout
    assert kube.wait_until(lambda: replay_objects(fleet.api) == (0, 0), timeout=60)


def _interruptible() -> None:
    """Ctrl-C reaches the replay however the tier was started: a shell running it in the
    background ignores SIGINT, and a child that inherits that never sees it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_the_replay_and_one_command_removes_what_it_created(
    fleet: ReplayFleet, tmp_path: Path
) -> None:
    stack_file = str(fleet.stack.stack_file)
    trace, out = tmp_path / "trace.csv", tmp_path / "replay"
    made = fleet_cli("trace", stack_file, "--jobs", "400", "--span", "3600", "--out", str(trace))
    assert made.returncode == 0, made.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "fleet", "replay", stack_file, str(trace), "--out", str(out),
         "--no-probe"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_interruptible,
    )  # fmt: skip
    listed = out / "jobs.txt"
    try:
        assert kube.wait_until(
            lambda: listed.exists() and len(listed.read_text().splitlines()) >= 5, timeout=90
        )
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert f"gpu-fleet replay-clean {stack_file} --namespace {NAMESPACE}" in stderr
    replay = re.search(rf"label {REPLAY_LABEL}=([0-9-]+)", stderr)
    assert replay is not None, stderr
    created = listed.read_text().splitlines()
    assert 5 <= len(created) < 400
    assert replay_objects(fleet.api, f"{REPLAY_LABEL}={replay.group(1)}")[0] == len(created)
    cleaned = fleet_cli("replay-clean", stack_file)
    assert cleaned.returncode == 0, cleaned.stderr
    assert kube.wait_until(lambda: replay_objects(fleet.api) == (0, 0), timeout=60)


def test_a_speed_the_lab_cannot_hold_is_refused_and_forced_is_reported_drifted(
    fleet: ReplayFleet, tmp_path: Path
) -> None:
    stack_file = str(fleet.stack.stack_file)
    trace, out = tmp_path / "trace.csv", tmp_path / "replay"
    made = fleet_cli("trace", stack_file, "--jobs", "100", "--span", "3600", "--out", str(trace))
    assert made.returncode == 0, made.stderr
    # 3000x: the trace's hour in 1.2 s of wall time; its bound a few milliseconds.
    refused = fleet_cli("replay", stack_file, str(trace), "--speed", "3000", "--out", str(out))
    assert refused.returncode == 2, refused.stderr
    assert "probe at 3000x" in refused.stderr
    assert "cannot be held: pods started up to" in refused.stderr
    assert "refused: the lab cannot hold the trace at 3000x" in refused.stderr
    assert not (out / "jobs.txt").exists()  # nothing of the trace was created
    assert replay_objects(fleet.api) == (0, 0)  # and the probe's Jobs are gone

    forced = fleet_cli(
        "replay", stack_file, str(trace), "--speed", "3000", "--force", "--out", str(out)
    )
    assert forced.returncode in (0, 1), forced.stderr
    document = load_replay(out)
    assert document.fidelity is not None
    assert not document.fidelity.faithful
    assert document.fidelity.causes
    report = fleet_cli("report", str(out))
    assert report.returncode == 0, report.stderr
    assert "**Drifted**: the lab fell behind the trace at 3000x" in (out / "report.md").read_text()
    cleaned = fleet_cli("replay-clean", stack_file)
    assert cleaned.returncode == 0, cleaned.stderr
    assert kube.wait_until(lambda: replay_objects(fleet.api) == (0, 0), timeout=60)
