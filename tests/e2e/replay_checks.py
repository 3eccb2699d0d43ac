"""What every e2e replay checks: `fleet replay` of a trace finishes, and its observed
timeline follows `fleet expect --trace`'s prediction (test_8_replay, test_8_replay_dra)."""

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fleet.replay.compare import Comparison, compare
from fleet.replay.document import ReplayDocument, load_replay
from fleet.replay.fleet_nodes import gpu_nodes
from fleet.replay.jobs import REPLAY_LABEL
from fleet.replay.predict import pools_wanted
from fleet.stack.load import load_stack_file
from lab import kube
from tests.e2e.test_1_lesson1 import fleet_cli

NAMESPACE = "gpu-replay"
SPEED = "60"


@dataclass(frozen=True)
class Replayed:
    prediction: dict[str, Any]
    """`fleet expect --trace --json` before the replay."""
    document: ReplayDocument
    comparison: Comparison
    pools_of: dict[str, set[str]]
    """Per job, the pools its pods may run on."""


def replay(stack_file: str, folder: Path, shape: str, jobs: int, span_s: int) -> Replayed:
    """`fleet trace` (a load of 0.9, the offer left to the stack), `fleet expect --trace`,
    then `fleet replay` at 60x into `folder`."""
    trace, out = folder / "trace.csv", folder / "replay"
    generated = fleet_cli(
        "trace", stack_file, "--shape", shape, "--jobs", str(jobs), "--span", str(span_s),
        "--load", "0.9", "--out", str(trace),
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    expected = fleet_cli("expect", stack_file, "--trace", str(trace), "--json")
    assert expected.returncode == 0, expected.stderr
    started = time.monotonic()
    run = fleet_cli("replay", stack_file, str(trace), "--speed", SPEED, "--out", str(out))
    print(run.stdout, run.stderr[-2000:], f"replay took {time.monotonic() - started:.0f}s")
    assert run.returncode == 0, run.stderr
    document = load_replay(out)
    nodes = gpu_nodes(load_stack_file(stack_file))
    comparison = compare(
        document.rows, nodes, document.predicted, document.observed, document.predicted_bounds
    )
    pools_of = pools_wanted(document.rows, nodes)
    return Replayed(json.loads(expected.stdout), document, comparison, pools_of)


def assert_follows_prediction(replayed: Replayed, jobs: int) -> None:
    document, comparison = replayed.document, replayed.comparison
    seen, predicted = comparison.observed, comparison.predicted
    assert seen.jobs_finished == seen.jobs == jobs
    assert predicted.gpu_hours == pytest.approx(replayed.prediction["gpu_hours"])
    # Every pod ran as long as its row says (KWOK's delay, within half a second of wall
    # time), so the fleet's GPU-hours agree whatever the placement. Per pool, the hours of
    # pinned jobs (one pool possible) agree too. Flexible jobs' pods go to the scheduler's
    # first-found node among their pools, which changes with node order from run to run
    # (the prediction's per-pool bounds bracket it but cannot promise it), so they are
    # checked for going only where their job allows, and for their total. No pool ever
    # held more than its GPUs.
    assert comparison.waits.overrun < 30
    total = sum(predicted.gpu_hours.values())
    assert sum(seen.gpu_hours.values()) == pytest.approx(total, rel=0.03)
    placed = comparison.placement
    for pool, (expected, observed) in placed.pinned.items():
        assert observed == pytest.approx(expected, rel=0.02), pool
    flexible = [sum(hours[side] for hours in placed.flexible.values()) for side in (0, 1)]
    assert flexible[1] == pytest.approx(flexible[0], rel=0.03)
    for run in document.observed:
        assert run.pool in replayed.pools_of[run.job], (run.job, run.index, run.pool)
    for pool, in_use in seen.gpus_in_use.items():
        assert max(in_use.values) <= seen.capacity[pool]
    # Waits: the observed mean is the predicted range plus the control plane's own latency
    # (measured as the wait of the pods the prediction starts at once). The lags (the
    # replay's Job creates, pods created, bound, KWOK's overrun) only lengthen waits, so
    # they widen the upper side only; a miss says them, to tell lag from queue order.
    low, high = document.predicted_bounds["mean_wait_s"]
    overhead = comparison.waits.overhead
    lags = (document.create_lag_s, comparison.waits)
    assert low * 0.8 <= seen.mean_wait_s <= high * 1.2 + overhead, (
        seen.mean_wait_s,
        low,
        high,
        lags,
    )
    assert overhead < 60  # a second of wall time at 60x
    # Pods observed as created, bound, running and finished in that order.
    for run in document.observed:
        assert run.created_s is not None
        assert run.bound_s is not None
        assert run.start_s is not None
        assert run.created_s <= run.bound_s <= run.start_s <= (run.end_s or 0)


def replay_objects(api: Any, selector: str = REPLAY_LABEL) -> tuple[int, int]:
    """Jobs and pods of replays (all of them, or those `selector` picks)."""
    jobs = kube.items(kube.batch(api).list_namespaced_job, NAMESPACE, label_selector=selector)
    pods = kube.items(kube.core(api).list_namespaced_pod, NAMESPACE, label_selector=selector)
    return len(jobs), len(pods)
