"""A replay on the lesson-1 fleet under the real engine: KWOK from the program's `Kwok`
component (its job-complete Stage ends each pod after its duration), a generated trace of
a few hundred pods replayed at 60x by `fleet replay`, the observed timeline checked against
`fleet expect --trace`'s prediction, the report written, and Ctrl-C leaving a list and one
clean-up command. On a control plane of its own (about 2 minutes of replay).
"""

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fleet.render.kwok import JOB_COMPLETE_STAGE
from fleet.replay.compare import compare
from fleet.replay.document import load_replay
from fleet.replay.fleet_nodes import gpu_nodes
from fleet.replay.jobs import REPLAY_LABEL
from fleet.stack.load import load_stack_file
from tests.e2e.harness import kube
from tests.e2e.harness.replay_fleet import ReplayFleet, replay_fleet
from tests.e2e.harness.tools import CHECKOUT, Engine
from tests.e2e.lesson1 import LESSON1_POOLS
from tests.e2e.test_1_lesson1 import fleet_cli

pytestmark = pytest.mark.e2e

JOBS, SPAN_S, SPEED = 200, 5400, "60"
NAMESPACE = "gpu-replay"


@pytest.fixture(scope="module")
def fleet(
    binaries: dict[str, Path], engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReplayFleet]:
    workdir = tmp_path_factory.mktemp("replay")
    with replay_fleet(binaries, engine, workdir, "e2e-replay", LESSON1_POOLS) as created:
        yield created


def replay_objects(api: Any, selector: str = REPLAY_LABEL) -> tuple[int, int]:
    """Jobs and pods of replays (all of them, or those `selector` picks)."""
    jobs = kube.items(kube.batch(api).list_namespaced_job, NAMESPACE, label_selector=selector)
    pods = kube.items(kube.core(api).list_namespaced_pod, NAMESPACE, label_selector=selector)
    return len(jobs), len(pods)


def test_the_kwok_component_installs_the_job_complete_stage(fleet: ReplayFleet) -> None:
    stages = kube.custom(fleet.api).list_cluster_custom_object(
        "kwok.x-k8s.io", "v1alpha1", "stages"
    )
    names = {item["metadata"]["name"] for item in stages["items"]}
    assert {JOB_COMPLETE_STAGE, "pod-complete", "pod-ready"} <= names


def test_a_replay_follows_its_prediction(fleet: ReplayFleet, tmp_path: Path) -> None:
    stack_file = str(fleet.stack.stack_file)
    trace, out = tmp_path / "trace.csv", tmp_path / "replay"
    generated = fleet_cli(
        "trace", stack_file, "--shape", "diurnal", "--jobs", str(JOBS), "--span", str(SPAN_S),
        "--load", "0.9", "--out", str(trace),
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    expected = fleet_cli("expect", stack_file, "--trace", str(trace), "--json")
    assert expected.returncode == 0, expected.stderr
    prediction = json.loads(expected.stdout)

    started = time.monotonic()
    replay = fleet_cli("replay", stack_file, str(trace), "--speed", SPEED, "--out", str(out))
    print(replay.stdout, replay.stderr[-2000:], f"replay took {time.monotonic() - started:.0f}s")
    assert replay.returncode == 0, replay.stderr

    document = load_replay(out)
    spec = load_stack_file(stack_file)
    comparison = compare(
        document.rows, gpu_nodes(spec), document.predicted, document.observed,
        document.predicted_bounds,
    )  # fmt: skip
    seen, predicted = comparison.observed, comparison.predicted
    assert seen.jobs_finished == seen.jobs == JOBS
    assert predicted.gpu_hours == pytest.approx(prediction["gpu_hours"])
    # Every pod ran as long as its row says (KWOK's delay, within half a second of wall
    # time), so the fleet's GPU-hours agree whatever the placement. Per pool they follow
    # the scheduler's first-found node: within the prediction's bounds, widened by 15%
    # (a few hundred pods on five nodes do not average out which node comes first); no
    # pool ever held more than its GPUs.
    assert comparison.waits.overrun < 30
    total = sum(predicted.gpu_hours.values())
    assert sum(seen.gpu_hours.values()) == pytest.approx(total, rel=0.03)
    for pool, in_use in seen.gpus_in_use.items():
        assert max(in_use.values) <= seen.capacity[pool]
        low, high = document.predicted_bounds[f"gpu_hours:{pool}"]
        assert low * 0.85 <= seen.gpu_hours[pool] <= high * 1.15, (pool, low, high)
    # Waits: the observed mean is the predicted range plus the control plane's own latency
    # (measured as the wait of the pods the prediction starts at once).
    low, high = document.predicted_bounds["mean_wait_s"]
    overhead = comparison.waits.overhead
    assert low * 0.8 <= seen.mean_wait_s <= high * 1.2 + overhead, (seen.mean_wait_s, low, high)
    assert overhead < 60  # a second of wall time at 60x
    # Pods observed as created, bound, running and finished in that order.
    for run in document.observed:
        assert run.created_s is not None
        assert run.bound_s is not None
        assert run.start_s is not None
        assert run.created_s <= run.bound_s <= run.start_s <= (run.end_s or 0)

    report = fleet_cli("report", str(out))
    assert report.returncode == 0, report.stderr
    page = (out / "report.html").read_text()
    assert '<figure id="chart-gpus"><svg' in page
    cleaned = fleet_cli("replay-clean", stack_file)
    assert cleaned.returncode == 0, cleaned.stderr
    assert f"deleted {JOBS} jobs" in cleaned.stdout
    assert kube.wait_until(lambda: replay_objects(fleet.api) == (0, 0), timeout=60)


def test_ctrl_c_stops_the_replay_and_one_command_removes_what_it_created(
    fleet: ReplayFleet, tmp_path: Path
) -> None:
    stack_file = str(fleet.stack.stack_file)
    trace, out = tmp_path / "trace.csv", tmp_path / "replay"
    made = fleet_cli("trace", stack_file, "--jobs", "400", "--span", "3600", "--out", str(trace))
    assert made.returncode == 0, made.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "fleet", "replay", stack_file, str(trace), "--out", str(out)],
        cwd=CHECKOUT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
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
    assert f"python -m fleet replay-clean {stack_file} --namespace {NAMESPACE}" in stderr
    replay = re.search(rf"label {REPLAY_LABEL}=([0-9-]+)", stderr)
    assert replay is not None, stderr
    created = listed.read_text().splitlines()
    assert 5 <= len(created) < 400
    assert replay_objects(fleet.api, f"{REPLAY_LABEL}={replay.group(1)}")[0] == len(created)
    cleaned = fleet_cli("replay-clean", stack_file)
    assert cleaned.returncode == 0, cleaned.stderr
    assert kube.wait_until(lambda: replay_objects(fleet.api) == (0, 0), timeout=60)
