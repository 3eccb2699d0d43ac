"""Lesson 1 through the real engine: `pulumi up` of the program, the operator advertising
GPUs from its release's topology, the demo outcome, and a stable state afterwards.

Test files run in name order and share the session's stack: this one first.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fleet.render.nodes import GPU_RESOURCE, is_fake_node
from fleet.stack import versions
from fleet.stack.load import load_stack_file
from lab import kube, waits
from lab.engine import FleetStack
from lab.host_processes import Supervisor
from lab.lesson1 import OPERATOR_NAMESPACE
from lab.paths import ROOT

pytestmark = pytest.mark.e2e

LESSON1_GPUS = {"a100": 8, "h100": 8, "l40s": 4}


def fleet_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fleet", *args], cwd=ROOT, capture_output=True, text=True
    )


def fake_nodes(api: Any) -> dict[str, dict[str, Any]]:
    nodes = kube.items(kube.core(api).list_node)
    return {node["metadata"]["name"]: node for node in nodes if is_fake_node(node)}


# `make record-evidence` sets it: the evidence of lesson 1 and its DRA variant is then
# also written into examples/evidence/, which `make report` reads without a cluster.
RECORD = os.environ.get("GPU_FLEET_RECORD_EVIDENCE") == "1"
RECORDED = ROOT / "examples" / "evidence"
PROVENANCE = (
    "recorded by the e2e tier (`make record-evidence`) from a real run: `pulumi up` of "
    "this fleet under the real Pulumi engine {pulumi}, on a kwokctl control plane "
    "(binary runtime, Kubernetes {kubernetes}) with KWOK's controller and fake-gpu-operator "
    "{operator}'s own commands running on the host; not a kind cluster, and the operator's "
    "pods did not run in the cluster."
)


def evidence_and_report(
    stack: FleetStack, out: Path, record_as: str | None = None
) -> tuple[dict[str, Any], str]:
    """`fleet evidence` then `fleet report` on the stack; both must succeed. With
    `record_as` under `make record-evidence`, the evidence goes to examples/evidence/ too."""
    evidence = fleet_cli("evidence", "--stack", str(stack.stack_file), "--out", str(out))
    assert evidence.returncode == 0, evidence.stderr
    if RECORD and record_as:
        spec = load_stack_file(stack.stack_file)
        provenance = PROVENANCE.format(
            pulumi=versions.PULUMI_VERSION,
            kubernetes=versions.KUBERNETES_VERSION,
            operator=spec.operator.version,
        )
        recorded = RECORDED / record_as
        args = ["--stack", str(stack.stack_file), "--provenance", provenance]
        kept = fleet_cli("evidence", *args, "--out", str(recorded))
        assert kept.returncode == 0, kept.stderr
    report = fleet_cli("report", str(out))
    print(report.stdout)
    assert report.returncode == 0, report.stdout + report.stderr
    document: dict[str, Any] = json.loads((out / "evidence.json").read_text())
    return document, report.stdout


def test_up_creates_the_fleet_through_the_components(lesson1: FleetStack) -> None:
    assert lesson1.first_up is not None
    created = lesson1.first_up.names("create")
    assert lesson1.first_up.names("create", ":Node") == [
        "kwok-gpu-a100-0",
        "kwok-gpu-a100-1",
        "kwok-gpu-h100-0",
        "kwok-gpu-l40s-0",
        "kwok-gpu-l40s-1",
    ]
    assert "gpu-fleet-operator" in lesson1.first_up.names("create", ":Release")
    for workload in ("cuda-batch-small", "cuda-train-16gpu", "cuda-needs-b200", "queue-pressure"):
        assert f"gpu-demo/{workload}" in created
    outputs = lesson1.outputs()
    assert (outputs["totalNodes"], outputs["totalGpus"]) == (5, 32)


def test_gpus_are_advertised_by_the_operator(
    lesson1: FleetStack, api: Any, operator: Supervisor
) -> None:
    """nvidia.com/gpu comes from kwok-gpu-device-plugin, per the release's topology."""
    waits.settle(api, lesson1.stack_file)
    nodes = fake_nodes(api)
    assert len(nodes) == 5
    for name, node in nodes.items():
        gpus = str(LESSON1_GPUS[node["metadata"]["labels"]["gpu-pool"]])
        assert node["status"]["allocatable"][GPU_RESOURCE] == gpus, name
        assert node["status"]["capacity"][GPU_RESOURCE] == gpus, name
        # KWOK's node-initialize kept the cpu/memory/pods the node was created with.
        assert node["status"]["allocatable"]["cpu"] == "96", name
    core = kube.core(api)
    topology = kube.raw(core.read_namespaced_config_map, "topology", OPERATOR_NAMESPACE)
    assert "NVIDIA-A100-SXM4-80GB" in topology["data"]["topology.yml"]
    per_node = {
        cm["metadata"]["name"]
        for cm in kube.items(core.list_namespaced_config_map, OPERATOR_NAMESPACE)
    }
    assert {f"topology-{name}" for name in nodes} <= per_node, operator.log_tail()


def test_demo_outcome_and_report_pass(
    lesson1: FleetStack, api: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    waits.settle(api, lesson1.stack_file)
    out = tmp_path_factory.mktemp("evidence")
    document, report = evidence_and_report(lesson1, out, record_as="lesson1")
    fake = [node for node in document["nodes"] if node["fake"]]
    assert sum(node["gpuAllocatable"] for node in fake) == 32
    assert {node["gpuAdvertisedBy"] for node in fake} == {"kwok-gpu-device-plugin"}
    observed = {w["name"]: (w["running"], w["pending"]) for w in document["observed"]["workloads"]}
    assert observed == {
        "cuda-batch-small": (1, 0),
        "cuda-train-16gpu": (0, 1),
        "cuda-needs-b200": (0, 1),
        "queue-pressure": (31, 9),
    }
    assert "FAIL" not in report


def test_second_up_changes_nothing(lesson1: FleetStack) -> None:
    again = lesson1.up()
    assert again.changes == []


def test_refresh_then_up_changes_nothing(lesson1: FleetStack) -> None:
    """KWOK and the operator write node status; the program must not fight them over it."""
    lesson1.refresh()
    assert lesson1.preview().changes == []
    assert lesson1.up().changes == []
