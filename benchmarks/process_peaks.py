"""Peak memory of the processes an engine run starts, sampled from /proc (Linux).

Every sample reads the peak resident size (`VmHWM`) of each descendant of this
process, so a process's peak is known up to the last sample before it exits.
"""

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from lab.steps import repeating

PROC = Path("/proc")
INTERVAL = 0.2


def _role(cmdline: list[str]) -> str:
    program = Path(cmdline[0]).name if cmdline else ""
    if program.startswith("pulumi-resource-kubernetes"):
        return "kubernetes provider"
    if program.startswith("pulumi-language"):
        return "language host"
    if program == "pulumi" or program.startswith("pulumi-v"):
        return "engine (pulumi CLI)"
    if "pulumi.dynamic" in cmdline:
        return "dynamic provider (Python)"
    if program.startswith("python"):
        return "program (Python)"
    return program or "other"


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for stat in PROC.glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            # The command name may hold spaces; the fields after its ')' do not.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children[int(fields[1])].append(int(stat.parent.name))
    return children


def _descendants(root: int) -> list[int]:
    children = _children()
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _peak_kib(pid: int) -> tuple[int, int, list[str]] | None:
    """(peak RSS, current RSS) in KiB and the command line, or None once it is gone."""
    with suppress(OSError):
        status = (PROC / str(pid) / "status").read_text()
        cmdline = (PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace")
        values = {
            line.split(":")[0]: int(line.split()[1])
            for line in status.splitlines()
            if line.startswith(("VmHWM:", "VmRSS:"))
        }
        return values.get("VmHWM", 0), values.get("VmRSS", 0), cmdline.split("\0")
    return None


@dataclass
class Peaks:
    """Peak RSS per role (MiB), and the peak of all of them at once."""

    by_role: dict[str, float] = field(default_factory=dict)
    total: float = 0.0

    def sample(self, root: int) -> None:
        current = 0
        for pid in _descendants(root):
            found = _peak_kib(pid)
            if found is None or found[0] == 0:
                continue
            peak, rss, cmdline = found
            role = _role(cmdline)
            self.by_role[role] = max(self.by_role.get(role, 0.0), peak / 1024)
            current += rss
        self.total = max(self.total, current / 1024)


@contextmanager
def sampled(root: int) -> Iterator[Peaks]:
    """Sample `root`'s descendants in a background thread while the block runs."""
    peaks = Peaks()
    with repeating(lambda: peaks.sample(root), INTERVAL):
        yield peaks
