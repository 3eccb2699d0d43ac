"""`fleet evidence` and `fleet report` for a stack that offers GPUs by DRA."""

from pathlib import Path

import pytest

from fleet.cli import main
from fleet.demo.outcome import REASON_CANNOT_ALLOCATE_CLAIMS
from fleet.evidence.document import load_evidence
from lab.recorded import ApiServer, Cluster
from tests.evidence.dra_cluster import LESSON1_DRA_STACK, device_name, lesson1_dra_cluster
from tests.evidence.test_evidence import EXPECTED_REQUESTS
from tests.evidence.test_report import rows

DRA_REQUESTS = [
    ("GET", "/apis/resource.k8s.io/v1/resourceslices"),
    ("GET", "/apis/resource.k8s.io/v1/resourceclaims"),
]


def collect(cluster: Cluster, server: ApiServer, kubeconfig: Path, out: Path) -> Path:
    server.serve(cluster)
    args = ["--stack", str(LESSON1_DRA_STACK), "--kubeconfig", str(kubeconfig), "--out", str(out)]
    assert main(["evidence", *args]) == 0
    return out


def report(evidence: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["report", str(evidence)])
    return code, capsys.readouterr().out


def test_dra_stack_reads_slices_and_claims_with_two_more_lists(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path
) -> None:
    out = collect(lesson1_dra_cluster(), api_server, kubeconfig, tmp_path / "ev")
    assert [(m, p.split("?")[0]) for m, p in api_server.requests] == [
        (m, p.split("?")[0]) for m, p in EXPECTED_REQUESTS + DRA_REQUESTS
    ]
    evidence = load_evidence(out)
    assert evidence.api_requests == 8
    assert len(evidence.device_slices) == 5
    a100 = next(s for s in evidence.device_slices if s.node == "kwok-gpu-a100-0")
    assert (a100.name, a100.pool, a100.devices) == (
        "kwok-kwok-gpu-a100-0-gpu",
        "kwok-gpu-a100-0",
        8,
    )
    assert (a100.products, set(a100.memory_mib)) == (["NVIDIA-A100-SXM4-80GB"], {81920})
    l40s = next(s for s in evidence.device_slices if s.node == "kwok-gpu-l40s-1")
    assert set(l40s.memory_mib) == {46068}
    allocated = [c for c in evidence.demo_claims if c.allocated]
    assert len(evidence.demo_claims) == 43
    assert len(allocated) == 32
    small = next(c for c in evidence.demo_claims if c.workload == "dra-batch-small")
    assert (small.pools, small.products) == (["kwok-gpu-a100-0"], ["NVIDIA-A100-SXM4-80GB"])
    queue = evidence.observed.workload("dra-queue-pressure")
    assert (queue.running, queue.pending, queue.reasons) == (
        31,
        9,
        (REASON_CANNOT_ALLOCATE_CLAIMS,),
    )
    slices_text = (out / "resource-slices.txt").read_text().splitlines()
    assert len(slices_text) == 6  # the header and one line per fake node
    assert slices_text[1].split() == [
        "kwok-kwok-gpu-a100-0-gpu",
        "kwok-gpu-a100-0",
        "kwok-gpu-a100-0",
        "8",
        "NVIDIA-A100-SXM4-80GB",
        "81920",
    ]
    assert "dra-batch-small-gpus-x7k2p" in (out / "resource-claims.txt").read_text()


def test_lesson1_dra_report_passes_on_every_row(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = collect(lesson1_dra_cluster(), api_server, kubeconfig, tmp_path / "ev")
    code, text = report(out, capsys)
    assert code == 0
    assert "**Result: PASS**" in text
    table = rows(text)
    assert table["a100"] == ["2 / 2", "8", "NVIDIA-A100-SXM4-80GB", "16", "16", "PASS"]
    assert table["pool h100 (DRA)"] == ["1 of 1 nodes publish 8 NVIDIA-H100-80GB-HBM3", "PASS"]
    assert "pool a100" not in table  # nvidia.com/gpu is not offered, so not checked
    assert table["dra-queue-pressure"][-1] == "PASS"
    assert "### DRA devices published per node" in text
    assert "## DRA claims" in text
    claims = [
        line for line in text.splitlines() if line.startswith("| dra-batch-small | 1 allocated")
    ]
    assert claims == [
        "| dra-batch-small | 1 allocated, 0 not | 1 allocated, 0 not | NVIDIA-A100-SXM4-80GB "
        "| NVIDIA-A100-SXM4-80GB | PASS |"
    ]


def test_a_node_publishing_too_few_devices_fails(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = lesson1_dra_cluster()
    cluster.resource_slices[0]["spec"]["devices"].pop()
    code, text = report(collect(cluster, api_server, kubeconfig, tmp_path / "ev"), capsys)
    assert code == 1
    assert "- failed: DRA devices published: pool a100" in text
    assert "- failed: fleet: pool a100" in text


def test_a_claim_allocated_on_another_product_fails(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = lesson1_dra_cluster()
    small = next(
        c for c in cluster.resource_claims if c["metadata"]["name"].startswith("dra-batch-small")
    )
    (result,) = small["status"]["allocation"]["devices"]["results"]
    result["pool"], result["device"] = "kwok-gpu-h100-0", device_name("kwok-gpu-h100-0", 7)
    code, text = report(collect(cluster, api_server, kubeconfig, tmp_path / "ev"), capsys)
    assert code == 1
    assert "- failed: DRA claims: dra-batch-small" in text


def test_a_claim_left_unallocated_fails_its_workload(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = lesson1_dra_cluster()
    queued = next(
        c
        for c in cluster.resource_claims
        if c["metadata"]["name"].startswith("dra-queue-pressure") and c["status"]
    )
    queued["status"] = {}
    code, text = report(collect(cluster, api_server, kubeconfig, tmp_path / "ev"), capsys)
    assert code == 1
    assert "- failed: DRA claims: dra-queue-pressure" in text
