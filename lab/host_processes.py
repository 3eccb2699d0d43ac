"""Run in-cluster controllers as host processes, for a control plane with no container runtime.

The e2e control plane has an API server, a scheduler and a controller-manager, but
no kubelet for real nodes, so the pods that the fake-gpu-operator release and KWOK's
Deployment define can never start. The tier runs the same programs, built from their
sources, on the host with a kubeconfig instead: fake-gpu-operator's `status-updater`
and `kwok-gpu-device-plugin` (which read the release's `topology` ConfigMap), and
KWOK's `kwok` controllers (one per shard, each with the configuration and flags of
its Deployment, reading the Stage objects the `Kwok` component installed). A
supervisor restarts a command that exits: the operator's commands exit when started
before the release has written its topology.
"""

import os
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fleet.render.kwok import APP_LABEL, NAMESPACE
from lab import kube
from lab.cluster import Cluster

RESTART_DELAY = 1.0
KWOK_SELECTOR = ",".join(f"{key}={value}" for key, value in APP_LABEL.items())


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _host_args(args: list[str], config: Path) -> list[str]:
    """A pod's flags as a host process takes them: the mounted configuration file is a
    local copy, the pod's IP is the loopback address."""
    host = []
    for arg in args:
        if arg.startswith("--config="):
            arg = f"--config={config}"
        elif arg.startswith("--node-ip="):
            arg = "--node-ip=127.0.0.1"
        host.append(arg)
    return host


def kwok_controllers(api: Any) -> list[dict[str, Any]]:
    """The KWOK controller Deployments in the cluster, by name."""
    found = kube.items(
        kube.apps(api).list_namespaced_deployment, NAMESPACE, label_selector=KWOK_SELECTOR
    )
    return sorted(found, key=lambda deployment: str(deployment["metadata"]["name"]))


def kwok_shard_commands(
    binaries: Mapping[str, Path],
    cluster: Cluster,
    edit_config: Callable[[str], str] = lambda config: config,
) -> list[Supervised]:
    """Every KWOK controller the `Kwok` component declared, as host processes.

    Reads the controller Deployments in kube-system (`app=kwok-controller`) and the
    ConfigMap they mount, and runs the `kwok` binary with that configuration and each
    Deployment's own flags. Host-only additions: the kubeconfig, and a server address
    on a free loopback port (in-cluster, each pod serves on its own IP), and
    `edit_config` applied to the configuration (a benchmark's tuning).
    """
    api = kube.api_client(cluster.kubeconfig)
    try:
        commands = []
        for deployment in kwok_controllers(api):
            name = deployment["metadata"]["name"]
            pod = deployment["spec"]["template"]["spec"]
            (container,) = pod["containers"]
            (volume,) = pod["volumes"]
            config_map = kube.raw(
                kube.core(api).read_namespaced_config_map, volume["configMap"]["name"], NAMESPACE
            )
            config = cluster.workdir / f"{name}.yaml"
            config.write_text(edit_config(config_map["data"]["kwok.yaml"]))
            argv = [
                "kwok",
                f"--kubeconfig={cluster.kubeconfig}",
                *_host_args(container["args"], config),
                f"--server-address=127.0.0.1:{_free_port()}",
            ]
            commands.append(
                Supervised(name, argv, binaries["kwok"], {}, cluster.workdir / f"{name}.log")
            )
        return commands
    finally:
        api.close()
