"""A Docker engine for the kind tier: Debian's docker.io, started for the run, stopped after.

Where a Docker engine already answers on the default socket, it is used as it is and
left running. Otherwise `dockerd` is installed from Debian's packages when missing
(`apt-get install docker.io`), started with its data under the tier's cache (so the
node image and the workload images survive between runs) and stopped at the end.

On a host whose capability bounding set lacks CAP_SYS_RESOURCE (the machine this tier
was built on), `docker run --privileged` cannot start any container; dockerd then gets
`runc_without_sys_resource.py` as its default runtime (see that file). That is a fact
of that machine: on a host with the full set, dockerd runs runc itself.
"""

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from lab.tools import BuildError, cache_dir

CAP_SYS_RESOURCE = 24
RUNTIME_NAME = "runc-without-sys-resource"
RUNC_WRAPPER = Path(__file__).with_name("runc_without_sys_resource.py")
START_TIMEOUT = 60.0


def docker_dir() -> Path:
    return cache_dir() / "kind" / "docker"


def bounding_set_lacks_sys_resource(status: str | None = None) -> bool:
    """True when `CapBnd` in /proc/self/status (or `status`) lacks CAP_SYS_RESOURCE."""
    text = status if status is not None else Path("/proc/self/status").read_text()
    for line in text.splitlines():
        if line.startswith("CapBnd:"):
            return not int(line.split()[1], 16) >> CAP_SYS_RESOURCE & 1
    return False


def dockerd_command(data_root: Path, wrap_runc: bool) -> list[str]:
    command = [
        "dockerd",
        f"--data-root={data_root / 'data'}",
        f"--exec-root={data_root / 'exec'}",
        f"--pidfile={data_root / 'dockerd.pid'}",
    ]
    if wrap_runc:
        command += [
            f"--add-runtime={RUNTIME_NAME}={RUNC_WRAPPER}",
            f"--default-runtime={RUNTIME_NAME}",
        ]
    return command


def engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    done = subprocess.run(["docker", "info"], capture_output=True, check=False)
    return done.returncode == 0


def install_docker() -> None:
    """Debian's docker.io (dockerd, containerd, runc) when dockerd is not on PATH."""
    if shutil.which("dockerd") is not None:
        return
    if shutil.which("apt-get") is None:
        raise BuildError("no Docker engine answers and dockerd is not installed: install Docker")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "docker.io"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BuildError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")


@dataclass
class StartedEngine:
    """A dockerd this tier started (None when an engine was already running)."""

    process: subprocess.Popen[bytes] | None
    log: Path

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_engine() -> StartedEngine:
    """Use the running engine, or install and start dockerd; wait until it answers."""
    root = docker_dir()
    log = root / "dockerd.log"
    if engine_answers():
        return StartedEngine(None, log)
    install_docker()
    root.mkdir(parents=True, exist_ok=True)
    command = dockerd_command(root, bounding_set_lacks_sys_resource())
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    engine = StartedEngine(process, log)
    deadline = time.monotonic() + START_TIMEOUT
    while not engine_answers():
        if process.poll() is not None or time.monotonic() > deadline:
            engine.stop()
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise BuildError(f"dockerd did not start ({' '.join(command)}):\n{tail}")
        time.sleep(0.5)
    return engine
