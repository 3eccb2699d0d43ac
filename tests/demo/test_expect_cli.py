"""`python -m fleet expect`."""

import json
from pathlib import Path

import pytest

from fleet.cli import EXIT_BAD_INPUT, main
from tests.paths import LESSON1_FILE, STACKS_DIR


def _rows(out: str) -> dict[str, list[str]]:
    rows = {}
    for line in out.splitlines():
        if line.startswith("│"):  # body rows, not the header (┃) or rules
            cells = [cell.strip() for cell in line.split("│")[1:-1]]
            rows[cells[0]] = cells[1:]
    return rows


def test_lesson1_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["expect", str(LESSON1_FILE)]) == 0
    out = capsys.readouterr().out
    assert _rows(out) == {
        "cuda-batch-small": ["Pod", "1", "0", ""],
        "cuda-train-16gpu": ["Pod", "0", "1", "Insufficient nvidia.com/gpu"],
        "cuda-needs-b200": ["Pod", "0", "1", "didn't match Pod's node affinity/selector"],
        "queue-pressure": ["Deployment", "31", "9", "Insufficient nvidia.com/gpu"],
        "total": ["", "32", "11", ""],
    }
    assert "caveat" not in out


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["expect", str(LESSON1_FILE), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"workloads", "totals", "caveats"}
    assert data["totals"] == {"running": 32, "pending": 11}
    assert data["workloads"][3] == {
        "name": "queue-pressure",
        "kind": "Deployment",
        "running": 31,
        "pending": 9,
        "reasons": ["Insufficient nvidia.com/gpu"],
    }
    assert [w["name"] for w in data["workloads"]] == [
        "cuda-batch-small",
        "cuda-train-16gpu",
        "cuda-needs-b200",
        "queue-pressure",
    ]
    assert data["caveats"] == []


def test_disabled_demo_still_gets_its_expectation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["expect", str(STACKS_DIR / "Pulumi.existing.yaml")]) == 0
    out = capsys.readouterr().out
    assert _rows(out)["total"] == ["", "48", "11", ""]
    caveats = [line for line in out.splitlines() if line.startswith("caveat: ")]
    assert len(caveats) == 2
    assert "demo is disabled" in caveats[0]
    assert "existing cluster" in caveats[1]


def test_bad_demo_pool_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack = tmp_path / "Pulumi.bad.yaml"
    stack.write_text(
        LESSON1_FILE.read_text().replace("enabled: true", "enabled: true\n    smallPool: h200")
    )
    assert main(["expect", str(stack)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "gpu-fleet:demo.smallPool: 'h200' is not a pool of this stack" in err
    assert "Traceback" not in err
