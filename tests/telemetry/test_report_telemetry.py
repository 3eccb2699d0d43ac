"""The report's telemetry rows, on the shipped lesson-1 evidence with telemetry made to match it
(what a real Prometheus records is checked in the e2e tier): every row passes when the series
agree with the pods; a missing GPU, a stray pod label, a reading outside its range, an alert
not seen each fail their row; a broken telemetry.json is refused naming the file."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fleet.cli import main
from fleet.demo.plan import plan_demo
from fleet.evidence.document import load_evidence
from fleet.stack.load import parse_fleet
from fleet.stack.utilization import parse_utilization
from fleet.telemetry.snapshot import (
    TELEMETRY_FILE,
    Alert,
    GpuSeries,
    PoolHours,
    Telemetry,
    load_telemetry,
    save_telemetry,
)
from tests.paths import ROOT

SHIPPED = ROOT / "examples" / "evidence" / "lesson1"


def matching_telemetry(folder: Path) -> Telemetry:
    """One series per GPU of the evidence's fake nodes, the Running pods' GPUs labelled with
    them and read inside their declared ranges; the pool-full alert for each full pool."""
    evidence = load_evidence(folder)
    spec = parse_fleet(evidence.spec, "evidence")
    workloads = {w.name: w for w in plan_demo(spec).workloads}
    gpus: list[GpuSeries] = []
    for node in evidence.nodes:
        if not node.fake or node.pool is None:
            continue
        holders = [
            pod.name
            for pod in evidence.demo_pods
            if pod.node == node.name and pod.phase == "Running"
            for _ in range(workloads[pod.workload].gpus)
        ]
        by_name = {pod.name: pod for pod in evidence.demo_pods}
        for index in range(node.gpu_capacity or 0):
            pod = holders[index] if index < len(holders) else ""
            declared = (
                parse_utilization(workloads[by_name[pod].workload].utilization) if pod else None
            )
            gpus.append(
                GpuSeries(
                    pool=node.pool,
                    node=node.name,
                    gpu=str(index),
                    uuid=f"GPU-{node.name}-{index}",
                    product=node.product or "",
                    namespace=spec.demo.namespace if pod else "",
                    pod=pod,
                    utilization=declared.low if declared else 0,
                    lowest=declared.low if declared else None,
                    highest=declared.highest_reading if declared else None,
                )
            )
    pools = sorted({gpu.pool for gpu in gpus})
    return Telemetry(
        server="http://127.0.0.1:9090",
        captured_at=datetime(2026, 12, 7, tzinfo=UTC),
        window_minutes=10,
        target_up=[1.0],
        gpu_count=len(gpus),
        gpus=gpus,
        pools=[
            PoolHours(pool=p, raw_series=0, allocated_gpu_hours=1.0, used_gpu_hours=0.5)
            for p in pools
        ],
        alerts=[Alert(name="GpuPoolNearlyFull", state="firing", labels={"pool": p}) for p in pools],
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "evidence"
    shutil.copytree(SHIPPED, copy)
    return copy


def report(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["report", str(folder)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_matching_telemetry_passes_every_row(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    telemetry = matching_telemetry(folder)
    assert len(telemetry.gpus) == 32
    assert sum(1 for gpu in telemetry.gpus if gpu.pod) == 32
    save_telemetry(telemetry, folder)
    code, out, err = report(folder, capsys)
    assert code == 0, out
    assert "## GPU telemetry" in out
    assert "32 GPUs with a live series" in out
    assert "| GPUs labelled with a pod | a100 | 16 (held by Running pods) | 16 | PASS |" in out
    assert "| alert GpuPoolNearlyFull | fleet | seen for a100, h100, l40s |" in out
    assert "FAIL" not in out
    assert "PASS" in err
    page = (folder / "report.html").read_text()
    assert "<h2>GPU telemetry</h2>" in page
    assert "<td>GPUs labelled with a pod</td><td>h100</td><td>8 (held by Running pods)</td>" in page


def test_a_missing_gpu_and_a_stray_label_fail(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    telemetry = matching_telemetry(folder)
    free = next(i for i, gpu in enumerate(telemetry.gpus) if gpu.pool == "h100")
    gpus = [gpu for i, gpu in enumerate(telemetry.gpus) if i != free]
    save_telemetry(telemetry.model_copy(update={"gpus": gpus, "gpu_count": len(gpus)}), folder)
    code, out, err = report(folder, capsys)
    assert code == 1
    assert "| GPUs with one live series | h100 | 8 | 7 GPUs, 7 series (exporter: 0) | FAIL |" in out
    assert "| GPUs labelled with a pod | h100 | 8 (held by Running pods) | 7 | FAIL |" in out
    assert "FAIL: 2 rows failed" in err


def test_a_reading_outside_its_range_fails(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    telemetry = matching_telemetry(folder)
    busy = next(gpu for gpu in telemetry.gpus if gpu.pod == "cuda-batch-small")
    gpus = [
        gpu.model_copy(update={"highest": 95.0}) if gpu is busy else gpu for gpu in telemetry.gpus
    ]
    save_telemetry(telemetry.model_copy(update={"gpus": gpus}), folder)
    code, out, _ = report(folder, capsys)
    assert code == 1
    assert "cuda-batch-small on kwok-gpu-a100-0 gpu 0: 60-95 outside 60-90" in out


def test_an_alert_not_seen_fails_and_an_unexpected_one_too(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    telemetry = matching_telemetry(folder)
    alerts = [a for a in telemetry.alerts if a.labels.get("pool") != "l40s"]
    alerts.append(Alert(name="GpuExporterDown", state="firing", labels={}))
    save_telemetry(telemetry.model_copy(update={"alerts": alerts}), folder)
    code, out, _ = report(folder, capsys)
    assert code == 1
    expected = "| seen for a100, h100, l40s | seen for a100, h100 | FAIL |"
    assert f"| alert GpuPoolNearlyFull | fleet {expected}" in out
    assert "| alert GpuExporterDown | fleet | not seen | seen for firing | FAIL |" in out


def test_a_broken_telemetry_file_is_refused_by_name(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / TELEMETRY_FILE).write_text('{"server": 3}')
    code, _, err = report(folder, capsys)
    assert code == 2
    assert f"{folder / TELEMETRY_FILE}: not a telemetry snapshot" in err
    assert "Traceback" not in err


def test_evidence_without_telemetry_has_no_section(folder: Path) -> None:
    assert load_telemetry(folder) is None
