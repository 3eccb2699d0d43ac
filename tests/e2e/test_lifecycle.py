"""A capacity change on the running lesson-1 fleet, through the fallback path.

Runs after test_lesson1.py (files run in name order) because it changes the
session's cluster: two more a100 nodes, and the demo resized as the pools say.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from e2e import lifecycle
from e2e.fleet_up import Fleet
from fleet.demo import QUEUE
from fleet.expect import expected_outcome

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_growing_a100_moves_the_queue_as_fleet_expect_predicts(
    fleet: Fleet, tmp_path_factory: pytest.TempPathFactory
) -> None:
    before = expected_outcome(fleet.spec).workload(QUEUE)
    stack = lifecycle.grown_stack(fleet.stack_file, "a100", 2)
    grown = lifecycle.move_to(fleet, stack)
    predicted = expected_outcome(grown).workload(QUEUE)
    assert (predicted.running, predicted.pending) != (before.running, before.pending)

    out = tmp_path_factory.mktemp("evidence-grown")
    for args in (("evidence", "--stack", str(stack), "--out", str(out)), ("report", str(out))):
        done = subprocess.run(
            [sys.executable, "-m", "fleet", *args], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((out / "evidence.json").read_text())
    queue = next(w for w in document["observed"]["workloads"] if w["name"] == QUEUE)
    assert (queue["running"], queue["pending"]) == (predicted.running, predicted.pending)
