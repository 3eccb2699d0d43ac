"""Rows that ask for GPUs by DRA claim: the stack's offer fills an empty column, the Jobs
name a claim template made by the same rendering as the DRA demo's, and the prediction
treats a claim for N devices as N GPUs on a node that offers GPUs by DRA."""

import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from fleet.render import dra
from fleet.replay.fleet_nodes import for_stack, gpu_nodes, offers
from fleet.replay.forecast import unschedulable
from fleet.replay.jobs import JobShape, claim_template, claim_template_name, job_manifest
from fleet.replay.predict import predict
from fleet.replay.timeline import timeline
from fleet.stack import versions
from fleet.stack.load import parse_fleet
from fleet.stack.spec import FleetSpec
from fleet.trace.csv_file import format_trace, read_trace
from fleet.trace.generate import Sizing, generate
from fleet.trace.model import TraceRow
from tests.hostile.run import run_fleet
from tests.paths import STACKS_DIR

LESSON1_DRA_FILE = STACKS_DIR / "Pulumi.lesson1-dra.yaml"
POOLS = {
    "a": {"nodes": 1, "gpusPerNode": 8, "product": "NVIDIA-H100-80GB-HBM3"},
    "b": {"nodes": 2, "gpusPerNode": 4, "product": "NVIDIA-L40S"},
}


def fleet(offer: str) -> FleetSpec:
    config = {
        "cluster": {"mode": "kind"},
        "pools": POOLS,
        "gpuOffer": offer,
        "operator": {"version": "0.2.0"},
    }
    return parse_fleet(config, "test")


def row(job: str, at: float, gpus: int, duration: float, **more: Any) -> TraceRow:
    return TraceRow.model_validate(
        {"arrival_s": at, "job": job, "gpus_per_pod": gpus, "duration_s": duration, **more}
    )


def test_nodes_offer_gpus_as_the_stack_does_once_per_offer() -> None:
    assert {node.offer for node in gpu_nodes(fleet("dra"))} == {"dra"}
    assert {node.offer for node in gpu_nodes(fleet("devicePlugin"))} == {"devicePlugin"}
    both = gpu_nodes(fleet("both"))
    assert offers(fleet("both")) == ("devicePlugin", "dra")
    # Each node twice, one after the other, so that the declaration order is kept.
    assert [(n.name, n.offer) for n in both[:2]] == [
        ("kwok-gpu-a-0", "devicePlugin"),
        ("kwok-gpu-a-0", "dra"),
    ]
    assert len(both) == 2 * len(gpu_nodes(fleet("dra")))


@pytest.mark.parametrize(
    ("offer", "empty_becomes"),
    [("dra", "dra"), ("devicePlugin", "devicePlugin"), ("both", "devicePlugin")],
)
def test_an_empty_offer_is_the_stacks(offer: str, empty_becomes: str) -> None:
    rows = [row("empty", 0, 1, 10), row("pinned", 0, 1, 10, offer="devicePlugin")]
    empty, pinned = for_stack(rows, fleet(offer))
    assert empty.offer == empty_becomes
    assert pinned.offer == "devicePlugin"


def test_a_claim_for_n_devices_is_predicted_like_n_gpus() -> None:
    """The same rows, by claim on a DRA fleet and by `nvidia.com/gpu` on a device-plugin
    fleet of the same pools: every pod starts and ends at the same time on the same node."""
    rows = [
        row("big", 0, 8, 100),
        row("four", 5, 4, 50, pool="b", pods=3),
        row("one", 6, 1, 30, products=["NVIDIA-H100-80GB-HBM3"]),
        row("two", 7, 2, 20),
    ]
    claims = for_stack(rows, fleet("dra"))
    counts = for_stack(rows, fleet("devicePlugin"))
    assert {r.offer for r in claims} == {"dra"}
    by_claim = predict(claims, gpu_nodes(fleet("dra")))
    by_count = predict(counts, gpu_nodes(fleet("devicePlugin")))
    assert by_claim == by_count
    started = {(run.job, run.index): run.start_s for run in by_claim}
    assert started[("four", 2)] == 55  # the third 4-GPU pod waits for a node of b
    assert started[("one", 0)] == 100  # the H100 node is busy with `big`
    figures = timeline(claims, gpu_nodes(fleet("dra")), by_claim)
    assert figures.gpu_hours["a"] == pytest.approx((8 * 100 + 30) / 3600)


def test_on_a_stack_offering_both_the_two_offers_do_not_compete() -> None:
    """The scheduler counts `nvidia.com/gpu` and DRA devices apart: an 8-GPU claim and an
    8-GPU count both run at once on the one 8-GPU node."""
    spec = fleet("both")
    rows = [
        row("counts", 0, 8, 100, pool="a", offer="devicePlugin"),
        row("claims", 1, 8, 100, pool="a", offer="dra"),
        row("later", 2, 8, 10, pool="a", offer="dra"),
    ]
    nodes = gpu_nodes(spec)
    runs = {run.job: run for run in predict(rows, nodes)}
    assert (runs["counts"].start_s, runs["claims"].start_s, runs["later"].start_s) == (0, 1, 101)
    assert runs["counts"].node == runs["claims"].node == "kwok-gpu-a-0"
    figures = timeline(rows, nodes, list(runs.values()))
    assert figures.gpus_in_use["a"].at(50) == 16
    assert figures.capacity["a"] == 16  # the node's 8 GPUs, offered twice
    assert figures.stranded["a"].at(50) == 0


def test_stranded_gpus_count_only_where_the_waiting_pods_offer_fits() -> None:
    """A DRA pod waits for 4 GPUs of b; the device-plugin pod's leftover GPUs on b's nodes
    are no use to it (another offer), the DRA leftovers are stranded."""
    spec = fleet("both")
    rows = [
        row("dp", 0, 3, 100, pool="b", pods=2, offer="devicePlugin"),
        row("dra-small", 0, 3, 100, pool="b", pods=2, offer="dra"),
        row("dra-big", 1, 4, 10, pool="b", offer="dra"),
    ]
    nodes = gpu_nodes(spec)
    figures = timeline(rows, nodes, predict(rows, nodes))
    assert figures.stranded["b"].at(50) == 2  # one free DRA device on each of b's nodes


def test_claims_on_a_stack_without_dra_can_never_run() -> None:
    rows = [row("claims", 0, 1, 10, offer="dra"), row("counts", 0, 1, 10)]
    assert unschedulable(rows, gpu_nodes(fleet("devicePlugin"))) == rows[:1]
    assert unschedulable(rows, gpu_nodes(fleet("dra"))) == rows[1:]
    assert unschedulable(rows, gpu_nodes(fleet("both"))) == []


def test_a_dra_job_names_the_replays_claim_template_for_its_gpu_count() -> None:
    manifest = job_manifest(
        row("train", 0, 4, 600, offer="dra", pool="b"), "ns", "r1", 60, JobShape()
    )
    assert kubernetes_validate.validate(manifest, versions.KUBERNETES_VERSION, strict=True)
    pod = manifest["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["resources"] == {"claims": [{"name": dra.CLAIM_REQUEST}]}
    assert pod["resourceClaims"] == [
        {"name": dra.CLAIM_REQUEST, "resourceClaimTemplateName": claim_template_name(4)}
    ]
    assert pod["nodeSelector"] == {"gpu-pool": "b"}
    template = claim_template(4, "ns", "r1")
    assert kubernetes_validate.validate(template, versions.KUBERNETES_VERSION, strict=True)
    assert template["metadata"] == {
        "name": claim_template_name(4),
        "namespace": "ns",
        "labels": {"gpu-fleet.dev/replay": "r1"},
    }
    # The DRA demo's rendering: one request of exactly 4 devices of the operator's class.
    (request,) = template["spec"]["spec"]["devices"]["requests"]
    assert request["exactly"] == {
        "deviceClassName": dra.DEVICE_CLASS,
        "allocationMode": "ExactCount",
        "count": 4,
    }
    assert template["spec"]["metadata"]["labels"] == {"gpu-fleet.dev/replay": "r1"}
    device_plugin = job_manifest(row("train", 0, 4, 600), "ns", "r1", 60, JobShape())
    assert "resourceClaims" not in device_plugin["spec"]["template"]["spec"]


def test_generated_rows_ask_as_told_or_leave_it_to_the_stack(tmp_path: Path) -> None:
    spec = fleet("dra")
    sizing = Sizing(jobs=40, span_s=600, seed=2)
    assert {r.offer for r in generate(spec, "steady", sizing)} == {None}
    pinned = generate(spec, "steady", sizing, "dra")
    assert {r.offer for r in pinned} == {"dra"}
    path = tmp_path / "trace.csv"
    path.write_text(format_trace(pinned))
    assert read_trace(path) == pinned


def test_fleet_expect_on_a_dra_stack_predicts_claims(tmp_path: Path) -> None:
    trace = tmp_path / "trace.csv"
    made = run_fleet(["trace", str(LESSON1_DRA_FILE), "--jobs", "30", "--out", str(trace)])
    assert made.code == 0, made.err
    expected = run_fleet(["expect", str(LESSON1_DRA_FILE), "--trace", str(trace), "--json"])
    assert expected.code == 0, expected.err
    figures = json.loads(expected.out)
    rows = read_trace(trace)
    assert figures["pods_by_offer"] == {"dra": sum(r.pods for r in rows)}
    assert figures["unschedulable_jobs"] == []
    assert sum(figures["gpu_hours"].values()) == pytest.approx(
        sum(r.gpu_seconds for r in rows) / 3600
    )
    printed = run_fleet(["expect", str(LESSON1_DRA_FILE), "--trace", str(trace)])
    assert f"30 jobs, {figures['pods_by_offer']['dra']} pods, " in printed.out
    assert " of them by DRA claim" in printed.out
    # The same trace by nvidia.com/gpu on lesson 1 (same pools): the same prediction.
    device_plugin = run_fleet(
        ["expect", str(STACKS_DIR / "Pulumi.lesson1.yaml"), "--trace", str(trace), "--json"]
    )
    assert json.loads(device_plugin.out)["gpu_hours"] == figures["gpu_hours"]
    assert json.loads(device_plugin.out)["mean_wait_s"] == figures["mean_wait_s"]


def test_a_replay_refuses_claims_a_device_plugin_stack_cannot_serve(tmp_path: Path) -> None:
    trace = tmp_path / "trace.csv"
    trace.write_text(format_trace([row("claims", 0, 2, 10, offer="dra")]))
    refused = run_fleet(["replay", str(STACKS_DIR / "Pulumi.lesson1.yaml"), str(trace)])
    refused.assert_refused(
        "job claims: 2 GPUs by DRA claim per pod on any fit on no node of the fleet "
        "(its GPUs are offered by devicePlugin)"
    )
