"""Lesson 1 end to end (REFERENCE §1, §2) on a real API server, scheduler and KWOK.

Runs the fallback path: objects from `fleet.manifests.stack_objects` created with
the kubernetes client, GPUs from the tier's stand-in (see tests/e2e/conftest.py).
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from e2e import gpu_advertiser, kube
from e2e.fleet_up import Fleet
from fleet.expect import expected_outcome
from fleet.nodes import GPU_RESOURCE, is_fake_node

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
LESSON1_GPUS = {"a100": 8, "h100": 8, "l40s": 4}


def _fleet_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fleet", *args], cwd=ROOT, capture_output=True, text=True
    )


def _fake_nodes(fleet: Fleet) -> list[dict[str, Any]]:
    return [node for node in kube.items(kube.core(fleet.api).list_node) if is_fake_node(node)]


def test_manifests_leave_the_gpu_count_to_the_operator(fleet: Fleet) -> None:
    nodes = [obj for obj in fleet.objects if obj["kind"] == "Node"]
    assert len(nodes) == 5
    for node in nodes:
        assert GPU_RESOURCE not in node["status"]["capacity"]
        assert GPU_RESOURCE not in node["status"]["allocatable"]


def test_five_fake_nodes_ready_with_32_gpus_from_the_stand_in(fleet: Fleet) -> None:
    nodes = _fake_nodes(fleet)
    by_name = {node["metadata"]["name"]: node for node in nodes}
    assert sorted(by_name) == [
        "kwok-gpu-a100-0",
        "kwok-gpu-a100-1",
        "kwok-gpu-h100-0",
        "kwok-gpu-l40s-0",
        "kwok-gpu-l40s-1",
    ]
    for name, node in by_name.items():
        pool = node["metadata"]["labels"]["gpu-pool"]
        gpus = str(LESSON1_GPUS[pool])
        assert node["status"]["allocatable"][GPU_RESOURCE] == gpus, name
        assert node["status"]["capacity"][GPU_RESOURCE] == gpus, name
        # KWOK's node-initialize kept the cpu/memory/pods the manifests created the node with.
        assert node["status"]["allocatable"]["cpu"] == "96", name
        assert node["status"]["allocatable"]["pods"] == "110", name
    assert fleet.advertiser.patched == {
        name: int(LESSON1_GPUS[name.split("-")[2]]) for name in by_name
    }
    assert not fleet.advertiser.errors, gpu_advertiser.NAME


def test_demo_outcome_matches_fleet_expect(fleet: Fleet) -> None:
    core = kube.core(fleet.api)
    pods = kube.items(core.list_namespaced_pod, "gpu-demo")
    phases = [pod["status"]["phase"] for pod in pods]
    assert (phases.count("Running"), phases.count("Pending")) == (32, 11)
    expected = expected_outcome(fleet.spec)
    assert (expected.running, expected.pending) == (32, 11)


def test_evidence_and_report_pass(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> None:
    out = tmp_path_factory.mktemp("evidence")
    kubeconfig = str(fleet.cluster.kubeconfig)
    stack = str(fleet.stack_file)
    evidence = _fleet_cli(
        "evidence", "--kubeconfig", kubeconfig, "--stack", stack, "--out", str(out)
    )
    assert evidence.returncode == 0, evidence.stderr
    report = _fleet_cli("report", str(out))
    print(report.stdout)
    assert report.returncode == 0, report.stdout + report.stderr

    document = json.loads((out / "evidence.json").read_text())
    fake = [node for node in document["nodes"] if node["fake"]]
    assert len(fake) == 5
    assert sum(node["gpuAllocatable"] for node in fake) == 32
    observed = {w["name"]: w for w in document["observed"]["workloads"]}
    assert (observed["cuda-batch-small"]["running"], observed["cuda-batch-small"]["pending"]) == (
        1,
        0,
    )
    assert observed["cuda-train-16gpu"]["pending"] == 1
    assert "Insufficient nvidia.com/gpu" in observed["cuda-train-16gpu"]["reasons"]
    assert observed["cuda-needs-b200"]["pending"] == 1
    assert "didn't match Pod's node affinity/selector" in observed["cuda-needs-b200"]["reasons"]
    queue = observed["queue-pressure"]
    assert (queue["running"], queue["pending"]) == (31, 9)
    totals = [sum(w[key] for w in observed.values()) for key in ("running", "pending")]
    assert totals == [32, 11]
