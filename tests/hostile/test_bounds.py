"""Time and memory of whole `python -m fleet` processes on the heaviest inputs within the caps."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fleet.files.files_in import MAX_TEXT_BYTES
from tests.paths import ROOT

MAX_SECONDS = 10
MAX_RSS_MIB = 500
# Each case just fits its file's size cap and costs the most memory or time per byte found.
HEAVIEST = {
    # pure-Python YAML scanning of one long plain scalar
    "check": ("stack.yaml", "config: " + "x " * (MAX_TEXT_BYTES // 2 - 8)),
    # 999,000 small objects: the most memory JSON text of 8 MiB can ask for within the limits
    "report": ("evidence.json", '{"nodes": [' + '{"a":1},' * 999_000 + "{}]}"),
    # one table line of spaces, which took minutes with the old patterns
    "pool-from-nvidia-smi": ("smi.txt", "| 0 " + " " * (MAX_TEXT_BYTES - 10) + "x\n"),
}


@pytest.mark.parametrize("command", HEAVIEST)
def test_heaviest_input_is_refused_in_bounded_time_and_memory(command: str, tmp_path: Path) -> None:
    name, content = HEAVIEST[command]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    target = tmp_path if command == "report" else path
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "fleet", command, str(target)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    with process.stderr:
        stderr = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)  # this child's own peak memory
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 2, stderr
    assert str(path) in stderr
    assert "Traceback" not in stderr
    assert seconds < MAX_SECONDS
    assert usage.ru_maxrss / 1024 < MAX_RSS_MIB  # KiB on Linux
