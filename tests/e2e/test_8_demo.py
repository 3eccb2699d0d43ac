"""`make demo` end to end: its own lab comes up, the lesson's report passes, nothing is left.

The demo makes its own cluster (not the session's), so these tests need no fixture.
"""

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.paths import ROOT

pytestmark = pytest.mark.e2e

DEMO = [sys.executable, "-m", "lab.demo"]
CREATED = re.compile(r"creating kwokctl cluster (\S+) \(workdir (\S+)\)")


def processes_naming(text: str) -> list[str]:
    """Command lines of running processes that mention `text` (a cluster's name)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in line:
            found.append(line)
    return found


def assert_no_lab_left(output: str) -> None:
    created = CREATED.search(output)
    assert created is not None, output
    name, workdir = created.groups()
    assert not Path(workdir).exists()
    assert processes_naming(name) == []


def test_demo_runs_the_lesson_and_tears_everything_down(tmp_path: Path) -> None:
    out = tmp_path / "evidence"
    done = subprocess.run(
        [*DEMO, "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "make demo: 32 Running / 11 Pending, every report row PASS" in done.stdout
    report = (out / "report.md").read_text()
    rows = [line for line in report.splitlines() if line.startswith("| ") and "---" not in line]
    results = [row.rstrip(" |").rsplit("| ", 1)[-1] for row in rows if row.endswith("|")]
    assert results.count("PASS") >= 10, report
    assert "FAIL" not in results, report
    observed = json.loads((out / "evidence.json").read_text())["observed"]["workloads"]
    assert {w["name"]: (w["running"], w["pending"]) for w in observed} == {
        "cuda-batch-small": (1, 0),
        "cuda-train-16gpu": (0, 1),
        "cuda-needs-b200": (0, 1),
        "queue-pressure": (31, 9),
    }
    assert_no_lab_left(output)


def test_demo_interrupted_tears_its_cluster_down(tmp_path: Path) -> None:
    """SIGTERM (what a CI runner or `kill` sends) while the cluster starts: nothing stays."""
    demo = subprocess.Popen(
        [*DEMO, "--out", str(tmp_path / "evidence")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert demo.stdout is not None
    lines = []
    for line in demo.stdout:
        lines.append(line)
        if CREATED.search(line):
            time.sleep(3)  # the control plane's components are starting
            demo.send_signal(signal.SIGTERM)
            break
    rest, _ = demo.communicate(timeout=180)
    output = "".join(lines) + rest
    assert demo.returncode == 128 + signal.SIGTERM, output[-4000:]
    assert "every report row PASS" not in output
    assert_no_lab_left(output)
