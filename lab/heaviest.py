"""The heaviest inputs within the caps, and a whole `python -m fleet` process refusing one.

Shared by tests/hostile (which checks each is refused, and the memory it takes) and
`make bench` (which times them: no test asserts a speed).
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from fleet.files.files_in import (
    MAX_EVIDENCE_BYTES,
    MAX_EVIDENCE_COLLECTIONS,
    MAX_EVIDENCE_VALUES,
    MAX_TEXT_BYTES,
)
from lab.paths import ROOT


def heaviest_evidence() -> str:
    objects = MAX_EVIDENCE_COLLECTIONS - 1_000
    assert 4 * objects <= MAX_EVIDENCE_VALUES  # each object and its three strings
    width = ((MAX_EVIDENCE_BYTES - 100) // objects - len('{"a":"","b":"","c":""},')) // 3
    return (
        '{"nodes": ['
        + ",".join(
            f'{{"a":"{i:0{width}}","b":"{i + 1:0{width}}","c":"{i + 2:0{width}}"}}'
            for i in range(objects)
        )
        + "]}"
    )


# Each case just fits its file's size cap and costs the most memory or time per byte found.
HEAVIEST = {
    # pure-Python YAML scanning of one long plain scalar
    "check": ("stack.yaml", "config: " + "x " * (MAX_TEXT_BYTES // 2 - 8)),
    # as many objects as evidence's cap allows, each with three distinct strings filling
    # the size cap: the most memory evidence can ask for within the limits
    "report": ("evidence.json", heaviest_evidence()),
    # one table line of spaces, which took minutes with the old patterns
    "pool-from-nvidia-smi": ("smi.txt", "| 0 " + " " * (MAX_TEXT_BYTES - 10) + "x\n"),
}

# nvidia-smi lines that made earlier patterns backtrack for minutes.
BACKTRACKING = {
    "table-gpu-row": "| 0 " + " " * 100_000 + "x\n",
    "table-memory-row": "|   0  A On |\n|" + "1" * 100_000 + "MiB" + " " * 100_000 + "\n",
    "list": "GPU 0: " + " (UUID: " * 50_000 + "\n",
    "csv": "name, memory.total [MiB]\nA, " + " " * 100_000 + "1 MiB\n",
}


@dataclass(frozen=True)
class Refusal:
    path: Path
    code: int
    stderr: str
    peak_rss_mib: float


def write_heaviest(command: str, folder: Path) -> Path:
    """The heaviest input of `command` in `folder`; the argument to give the command."""
    name, content = HEAVIEST[command]
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def refuse_heaviest(command: str, path: Path) -> Refusal:
    """`python -m fleet COMMAND` on the heaviest input at `path`, in a process of its own."""
    target = path.parent if command == "report" else path
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
    process.returncode = os.waitstatus_to_exitcode(status)
    return Refusal(path, process.returncode, stderr, usage.ru_maxrss / 1024)  # KiB on Linux
