"""Run in-cluster controllers as host processes, for a control plane with no container runtime.

The e2e control plane has an API server, a scheduler and a controller-manager, but
no kubelet for real nodes, so the pods that the fake-gpu-operator release and KWOK's
Deployment define can never start. The tier runs the same programs, built from their
sources, on the host with a kubeconfig instead: fake-gpu-operator's `status-updater`
and `kwok-gpu-device-plugin` (which read the release's `topology` ConfigMap), and
KWOK's `kwok` controller (which reads the configuration and Stage objects the `Kwok`
component installed). A supervisor restarts a command that exits: the operator's
commands exit when started before the release has written its topology.
"""

import os
import subprocess
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.harness.cluster import Cluster

RESTART_DELAY = 1.0


@dataclass
class Supervised:
    """One command kept running until the supervisor stops."""

    name: str
    # argv[0] is the command's name as its image runs it (client-go names the field
    # manager of every write after it); `executable` is the binary actually run.
    argv: list[str]
    executable: Path
    env: Mapping[str, str]
    log: Path
    starts: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


class Supervisor:
    """Starts commands, restarts the ones that exit, stops them all on `stop()`."""

    def __init__(self, commands: list[Supervised]) -> None:
        self.commands = commands
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._keep, args=(c,)) for c in commands]

    def _keep(self, command: Supervised) -> None:
        with command.log.open("ab") as log:
            while not self._stopping.is_set():
                command.starts += 1
                command.process = subprocess.Popen(
                    command.argv,
                    executable=command.executable,
                    env={**os.environ, **command.env},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                command.process.wait()
                self._stopping.wait(RESTART_DELAY)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stopping.set()
        for command in self.commands:
            if command.process is not None and command.process.poll() is None:
                command.process.terminate()
                try:
                    command.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    command.process.kill()
        for thread in self._threads:
            thread.join(timeout=15)

    def log_tail(self, lines: int = 20) -> str:
        tails = []
        for command in self.commands:
            text = command.log.read_text(errors="replace") if command.log.exists() else ""
            tail = "\n".join(text.splitlines()[-lines:])
            tails.append(f"--- {command.name} (started {command.starts}x)\n{tail}")
        return "\n".join(tails)


@contextmanager
def supervised(commands: list[Supervised]) -> Iterator[Supervisor]:
    supervisor = Supervisor(commands)
    supervisor.start()
    try:
        yield supervisor
    finally:
        supervisor.stop()


# The operator's commands that serve KWOK nodes, per version: 0.0.59 advertises
# `nvidia.com/gpu` counts; 0.2.0 also has a DRA plugin publishing ResourceSlices.
DEVICE_PLUGIN_COMMANDS = ("status-updater", "kwok-gpu-device-plugin")
DRA_COMMANDS = ("status-updater", "kwok-dra-plugin")


def operator_commands(
    binaries: Mapping[str, Path],
    cluster: Cluster,
    namespace: str,
    version: str,
    names: tuple[str, ...] = DEVICE_PLUGIN_COMMANDS,
) -> list[Supervised]:
    """fake-gpu-operator's commands for KWOK nodes, with the environment its chart
    gives their pods."""
    env = {
        "KUBECONFIG": str(cluster.kubeconfig),
        "TOPOLOGY_CM_NAME": "topology",
        "TOPOLOGY_CM_NAMESPACE": namespace,
        "FAKE_GPU_OPERATOR_NAMESPACE": namespace,
        # Read by 0.2.0's status-updater (the chart's default value).
        "RESOURCE_RESERVATION_NAMESPACE": "runai-reservation",
    }
    return [
        Supervised(
            name, [name], binaries[f"{name}-{version}"], env, cluster.workdir / f"{name}.log"
        )
        for name in names
    ]


def kwok_controller_command(
    binaries: Mapping[str, Path], kubeconfig: Path, config: Path, logs: Path
) -> Supervised:
    """KWOK's controller with the configuration the in-cluster Deployment mounts."""
    argv = ["kwok", f"--kubeconfig={kubeconfig}", f"--config={config}", "--node-ip=127.0.0.1"]
    return Supervised("kwok", argv, binaries["kwok"], {}, logs / "kwok.log")
