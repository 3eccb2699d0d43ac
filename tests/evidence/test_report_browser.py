"""The HTML report in a real browser: Debian's chromium, headless, draws its four charts.

chromium must be installed (`apt-get install chromium`; `.ci/run` does it): the test
fails, not skips, without it. The browser gets a fresh profile and no network features.
"""

import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from fleet.cli import main
from fleet.report.charts import OBSERVED, PREDICTED
from fleet.stack.load import load_stack_file
from tests.paths import LESSON1_FILE
from tests.replay.documents import write_replay

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
TIMEOUT_S = 90


def chromium(profile: Path, *args: str) -> str:
    """Run chromium to completion (its whole process group killed on a timeout)."""
    binary = shutil.which("chromium")
    assert binary, "chromium is not installed: apt-get install chromium (CI installs it)"
    command = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = process.communicate(timeout=TIMEOUT_S)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0, f"chromium exited {process.returncode}"
    return out


def near(image: "np.ndarray[Any, Any]", colour: str, slack: int = 40) -> "np.ndarray[Any, Any]":
    """A mask of the pixels within `slack` of `colour` in each channel."""
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    mask: np.ndarray[Any, Any] = np.all(np.abs(image.astype(int) - target) <= slack, axis=2)
    return mask


def test_chromium_renders_the_reports_charts(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    write_replay(folder, load_stack_file(LESSON1_FILE))
    assert main(["report", str(folder)]) == 0
    url = (folder / "report.html").resolve().as_uri()

    dom = chromium(tmp_path / "profile-dom", "--dump-dom", url)
    for chart in ("chart-gpus", "chart-queue", "chart-waits", "chart-stranded"):
        assert f'<figure id="{chart}"><svg' in dom, chart

    shot = tmp_path / "report.png"
    chromium(tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1200,3200", url)
    image = np.asarray(Image.open(shot).convert("RGB"))
    assert image.shape[:2] == (3200, 1200)
    predicted, observed = near(image, PREDICTED), near(image, OBSERVED)
    # Dashed predicted and solid observed lines over six panels: thousands of pixels each.
    assert predicted.sum() > 2000, predicted.sum()
    assert observed.sum() > 2000, observed.sum()
    # Drawn down the page, chart after chart, not one blot: observed lines in every
    # quarter of the height between the first and the last row that has one.
    rows = np.flatnonzero(observed.any(axis=1))
    quarters = set(((rows - rows[0]) * 4 // (rows[-1] - rows[0] + 1)).tolist())
    assert quarters == {0, 1, 2, 3}
