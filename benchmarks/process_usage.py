"""Resident memory and CPU seconds of named processes (control plane, KWOK, operator), from /proc.

Each sample reads every process of a role: the role's memory is the most its processes
held at once, its CPU seconds the sum of what each process used (a restarted process
adds its predecessor's last sample).
"""

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from lab.steps import repeating

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")
INTERVAL = 1.0

Pids = Callable[[], list[int]]


def _sample(pid: int) -> tuple[float, float] | None:
    """(resident MiB, CPU seconds) of `pid`, or None once it is gone."""
    with suppress(OSError, ValueError, IndexError):
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        return rss, cpu
    return None


@dataclass
class Usage:
    """Per role: peak resident MiB (all its processes at once) and CPU seconds."""

    rss_mib: dict[str, float] = field(default_factory=dict)
    cpu_by_pid: dict[str, dict[int, float]] = field(default_factory=dict)

    def cpu_s(self, role: str) -> float:
        return sum(self.cpu_by_pid.get(role, {}).values())

    def sample(self, roles: Mapping[str, Pids]) -> None:
        for role, pids in roles.items():
            resident = 0.0
            for pid in pids():
                found = _sample(pid)
                if found is None:
                    continue
                resident += found[0]
                self.cpu_by_pid.setdefault(role, {})[pid] = found[1]
            self.rss_mib[role] = max(self.rss_mib.get(role, 0.0), resident)


@contextmanager
def sampled(roles: Mapping[str, Pids]) -> Iterator[Usage]:
    """Sample the roles' processes while the block runs, and once more at its end."""
    usage = Usage()
    with repeating(lambda: usage.sample(roles), INTERVAL):
        yield usage
    usage.sample(roles)


def pid_file_reader(path: Path) -> Pids:
    """The pid a kwokctl pid file names (binary runtime: the component's own process)."""

    def pids() -> list[int]:
        with suppress(OSError, ValueError):
            return [int(path.read_text().strip())]
        return []

    return pids
