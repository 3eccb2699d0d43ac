"""`gpu-fleet check` and `gpu-fleet manifests`."""

import json
import subprocess
import sys

import pytest
import yaml

from fleet.cli import main
from fleet.render.objects import stack_objects
from fleet.stack.spec import FleetSpec
from tests.paths import LESSON1_OWNER, ROOT, STACKS_DIR

LESSON1 = str(STACKS_DIR / "Pulumi.lesson1.yaml")


def test_check_prints_the_fleet_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", LESSON1]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {cells[0]: cells[1:] for cells in (_cells(line) for line in lines) if cells}
    assert rows["a100"] == ["2", "8", "NVIDIA-A100-SXM4-80GB", "81920", "16"]
    assert rows["h100"] == ["1", "8", "NVIDIA-H100-80GB-HBM3", "81920", "8"]
    assert rows["l40s"] == ["2", "4", "NVIDIA-L40S", "46068", "8"]
    assert rows["total"] == ["5", "32"]


def test_check_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", LESSON1, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["totalNodes"], data["totalGpus"], data["largestPodGpus"]) == (5, 32, 8)
    assert data["pools"]["l40s"] == {
        "nodes": 2,
        "gpusPerNode": 4,
        "product": "NVIDIA-L40S",
        "gpuMemoryMiB": 46068,
        "gpus": 8,
    }


def test_manifests_prints_what_the_components_send(
    lesson1: FleetSpec, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["manifests", LESSON1]) == 0
    printed = list(yaml.safe_load_all(capsys.readouterr().out))
    assert printed == list(stack_objects(lesson1, LESSON1_OWNER))
    nodes = [obj["metadata"]["name"] for obj in printed if obj["kind"] == "Node"]
    assert nodes == [
        "kwok-gpu-a100-0",
        "kwok-gpu-a100-1",
        "kwok-gpu-h100-0",
        "kwok-gpu-l40s-0",
        "kwok-gpu-l40s-1",
    ]


def test_module_entry_point_exit_codes() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "fleet", "check", LESSON1], cwd=ROOT, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "fleet", "check", "tests/spec/malformed/nodes-zero.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "gpu-fleet:pools.a100.nodes" in bad.stderr
    assert "Traceback" not in bad.stderr


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip("│┃ ").split("│") if cell.strip()]
