"""`fleet report` on evidence collected from recorded API responses."""

import json
from pathlib import Path

import pytest

from fleet.cli import main
from fleet.render.nodes import GPU_RESOURCE
from lab.recorded import (
    NO_GPU_MESSAGE,
    ApiServer,
    Cluster,
    evidence_of,
    lesson1_cluster,
    scheduler_event,
)


def rows(report: str) -> dict[str, list[str]]:
    """Table rows of the Markdown text keyed by their first cell (the first row wins)."""
    found: dict[str, list[str]] = {}
    for line in report.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            found.setdefault(cells[0], cells[1:])
    return found


def test_lesson1_passes(lesson1_evidence: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(lesson1_evidence)]) == 0
    report = (lesson1_evidence / "report.md").read_text()
    assert capsys.readouterr().out == report
    assert "**Result: PASS**" in report
    assert "FAIL" not in report
    table = rows(report)
    assert table["queue-pressure"] == [
        "Deployment",
        "31 Running, 9 Pending (Insufficient nvidia.com/gpu)",
        "31 Running, 9 Pending (Insufficient nvidia.com/gpu)",
        "PASS",
    ]
    assert table["cuda-batch-small"][-1] == "PASS"
    assert table["Running"] == ["32", "32", "PASS"]
    assert table["Pending"] == ["11", "11", "PASS"]
    assert table["a100"] == ["2 / 2", "8", "NVIDIA-A100-SXM4-80GB", "16", "16", "PASS"]
    assert table["pool l40s"] == ["2 of 2 nodes advertise 4", "PASS"]
    assert table["Kubernetes server"] == ["v1.36.1", "kindest/node:v1.36.1"]
    assert table["fake-gpu-operator chart"] == ["fake-gpu-operator-0.0.59", "0.0.59"]
    # The two Pending causes, told apart per pod from events alone.
    assert table["cuda-train-16gpu"][-1] == "PASS"
    causes = report.split("## Pending causes", 1)[1].split("##", 1)[0]
    cause_rows = rows(causes)
    assert cause_rows["cuda-train-16gpu"][:3] == [
        "Insufficient nvidia.com/gpu",
        "1",
        "`cuda-train-16gpu`",
    ]
    assert cause_rows["cuda-needs-b200"][:2] == ["didn't match Pod's node affinity/selector", "1"]
    assert cause_rows["queue-pressure"][1] == "9"
    assert "No real telemetry" in report


def test_report_out_option(lesson1_evidence: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "lesson1.md"
    assert main(["report", str(lesson1_evidence), "--out", str(out)]) == 0
    assert out.read_text().startswith("# Fleet validation report: `Pulumi.lesson1.yaml`")
    assert not (lesson1_evidence / "report.md").exists()


def test_queue_one_short_fails(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = lesson1_cluster()
    evicted = cluster.pod("queue-pressure-6b7f9c8d5-00000")
    del evicted["spec"]["nodeName"]
    evicted["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    cluster.events.append(scheduler_event(evicted, "FailedScheduling", NO_GPU_MESSAGE, 200))
    evidence = evidence_of(cluster, api_server, kubeconfig, tmp_path / "ev")
    assert main(["report", str(evidence)]) == 1
    report = capsys.readouterr().out
    table = rows(report)
    assert table["queue-pressure"][2:] == [
        "30 Running, 10 Pending (Insufficient nvidia.com/gpu)",
        "**FAIL**",
    ]
    assert table["Running"] == ["32", "31", "**FAIL**"]
    assert table["cuda-batch-small"][-1] == "PASS"
    assert "**Result: FAIL (3 rows failed)**" in report


def test_missing_gpu_advertisement_fails(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = lesson1_cluster()
    node = next(n for n in cluster.nodes if n["metadata"]["name"] == "kwok-gpu-l40s-1")
    del node["status"]["allocatable"][GPU_RESOURCE]
    evidence = evidence_of(cluster, api_server, kubeconfig, tmp_path / "ev")
    assert main(["report", str(evidence)]) == 1
    table = rows(capsys.readouterr().out)
    assert table["pool l40s"] == ["1 of 2 nodes advertise 4", "**FAIL**"]
    assert table["l40s"][-3:] == ["8", "4", "**FAIL**"]
    assert table["pool a100"][-1] == "PASS"


def test_wrong_reason_fails(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = lesson1_cluster()
    event = next(e for e in cluster.events if e["involvedObject"]["name"] == "cuda-needs-b200")
    event["message"] = NO_GPU_MESSAGE
    evidence = evidence_of(cluster, api_server, kubeconfig, tmp_path / "ev")
    assert main(["report", str(evidence)]) == 1
    table = rows(capsys.readouterr().out)
    assert table["cuda-needs-b200"][-2:] == [
        "0 Running, 1 Pending (Insufficient nvidia.com/gpu)",
        "**FAIL**",
    ]
    assert table["Pending"][-1] == "PASS"


def test_empty_cluster_fails_without_crashing(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = evidence_of(Cluster(), api_server, kubeconfig, tmp_path / "ev")
    assert main(["report", str(evidence)]) == 1
    report = capsys.readouterr().out
    table = rows(report)
    assert table["a100"] == ["2 / 0", "8", "-", "16", "0", "**FAIL**"]
    assert table["pool h100"] == ["0 of 1 nodes advertise 8", "**FAIL**"]
    assert table["queue-pressure"][-2:] == ["no pods", "**FAIL**"]
    assert table["KWOK controller"] == ["not found", "v0.7.0"]
    assert "No Pending pods." in report


def test_stray_fake_node_fails(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = lesson1_cluster()
    stray = json.loads(json.dumps(cluster.nodes[-1]))
    stray["metadata"]["name"] = "kwok-gpu-v100-0"
    stray["metadata"]["labels"]["gpu-pool"] = "v100"
    cluster.nodes.append(stray)
    evidence = evidence_of(cluster, api_server, kubeconfig, tmp_path / "ev")
    assert main(["report", str(evidence)]) == 1
    table = rows(capsys.readouterr().out)
    assert table["fake nodes outside the stack's pools"] == ["1: kwok-gpu-v100-0", "**FAIL**"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the evidence"),
        ("{not json", "not valid JSON"),
        ('{"schemaVersion": 1}', "observed: Field required"),
    ],
)
def test_unreadable_evidence_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    if content is not None:
        (tmp_path / "evidence.json").write_text(content)
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "report.md").exists()


def test_invalid_spec_in_evidence_exits_2(
    lesson1_evidence: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = lesson1_evidence / "evidence.json"
    data = json.loads(path.read_text())
    data["spec"]["pools"]["a100"]["gpusPerNode"] = "8"
    path.write_text(json.dumps(data))
    assert main(["report", str(lesson1_evidence)]) == 2
    assert "gpu-fleet:pools.a100.gpusPerNode" in capsys.readouterr().err
