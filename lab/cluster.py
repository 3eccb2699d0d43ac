"""A throwaway control plane: `kwokctl create cluster --runtime binary` on local binaries.

kwokctl v0.7.0 (read from its source):
- a local path given as `--<component>-binary` is symlinked into the cluster's workdir,
  never downloaded; without one it would fetch release binaries, so all five are given;
- everything lives in `$KWOK_WORKDIR/clusters/<name>/` (pki, etcd data, logs, pids,
  `kubeconfig.yaml`), so a temporary KWOK_WORKDIR and `kwokctl delete cluster` leave nothing;
- ports (etcd, etcd peer, apiserver, kwok-controller, controller-manager, scheduler) are
  picked from unused ones; `bindAddress` defaults to 0.0.0.0, so the config sets 127.0.0.1;
- `--kubeconfig ""` keeps it from adding a context to ~/.kube/config;
- after starting the components it waits (up to 2 minutes) for `kubectl get --raw /version`,
  and `--wait` polls `/healthz` the same way; kubectl is looked up on PATH, else downloaded,
  so our kubectl goes first on PATH and `--wait` is left out (readiness is checked here);
- its kwok-controller gets `--manage-all-nodes=true`; `--extra-args` (appended, so they
  win) narrow it to nodes annotated `kwok.x-k8s.io/node=fake`, as the in-cluster install
  of KWOK does. It applies the default fast stages (node-initialize,
  node-heartbeat-with-lease, pod-ready, pod-complete, pod-delete) from its config file,
  not from Stage objects;
- `--disable kwok-controller` runs no KWOK controller at all (used where KWOK itself
  is installed by the program's `Kwok` component).
"""

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import yaml
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from fleet.render.nodes import KWOK_NODE_ANNOTATION
from lab import kube
from lab.pins import KUBERNETES_VERSION

READY_TIMEOUT = 120.0
KWOKCTL_CONFIG = """\
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
"""
KWOK_CONTROLLER_ARGS = (
    "kwok-controller=manage-all-nodes=false",
    f"kwok-controller=manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}=fake",
)
BINARY_FLAGS = {
    "etcd": "--etcd-binary",
    "kube-apiserver": "--kube-apiserver-binary",
    "kube-controller-manager": "--kube-controller-manager-binary",
    "kube-scheduler": "--kube-scheduler-binary",
    "kwok": "--kwok-controller-binary",
}


@dataclass(frozen=True)
class Cluster:
    name: str
    workdir: Path
    kubeconfig: Path
    context: str

    def as_stack_cluster(self) -> dict[str, object]:
        """The stack file's `cluster` section for this control plane (`existing` mode)."""
        return {
            "mode": "existing",
            "kubeconfig": str(self.kubeconfig),
            "context": self.context,
            "allowFakeNodes": True,
        }


class ClusterError(RuntimeError):
    """kwokctl could not create the cluster; carries its output and component logs."""


def _kwokctl_config(component_args: Mapping[str, Mapping[str, str]]) -> str:
    config = yaml.safe_load(KWOKCTL_CONFIG)
    if component_args:
        config["componentsPatches"] = [
            {"name": name, "extraArgs": [{"key": k, "value": v} for k, v in flags.items()]}
            for name, flags in component_args.items()
        ]
    return str(yaml.safe_dump(config, sort_keys=False))


def _env(workdir: Path) -> dict[str, str]:
    """KWOK_WORKDIR keeps everything in `workdir`; its bin/ (our kubectl) goes first on PATH."""
    path = f"{workdir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    return {
        **os.environ,
        "PATH": path,
        "KWOK_WORKDIR": str(workdir),
        "KWOK_KUBE_VERSION": KUBERNETES_VERSION,
    }


def _wait_until_serving(kubeconfig: Path) -> None:
    """The API server answers and the controller-manager made the `default` ServiceAccount."""
    api = kube.api_client(kubeconfig)
    deadline = time.monotonic() + READY_TIMEOUT
    try:
        while True:
            try:
                kube.core(api).read_namespaced_service_account(
                    "default", "default", _preload_content=False
                )
                return
            except (ApiException, HTTPError) as error:
                if time.monotonic() > deadline:
                    raise ClusterError(f"the API server is not serving: {error}") from error
            time.sleep(0.5)
    finally:
        api.close()


def _component_logs(workdir: Path, name: str) -> str:
    logs = workdir / "clusters" / name / "logs"
    tails = []
    for log in sorted(logs.glob("*.log")) if logs.is_dir() else []:
        lines = log.read_text(errors="replace").splitlines()[-15:]
        tails.append(f"--- {log.name} (last lines)\n" + "\n".join(lines))
    return "\n".join(tails)


def _kill_leftovers(workdir: Path, name: str) -> None:
    """Kill components kwokctl did not stop: each runs in its own session (setsid), so
    its pid file names a process group."""
    for pid_file in (workdir / "clusters" / name / "pids").glob("*.pid"):
        with suppress(ValueError, OSError):
            os.killpg(int(pid_file.read_text().strip()), signal.SIGKILL)


def _delete(binaries: Mapping[str, Path], workdir: Path, name: str) -> None:
    """Stop every component and remove the workdir; safe to call twice."""
    if not workdir.exists():
        return
    command = [str(binaries["kwokctl"]), "--name", name, "delete", "cluster"]
    subprocess.run(command, env=_env(workdir), capture_output=True, timeout=120, check=False)
    _kill_leftovers(workdir, name)
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"  deleted kwokctl cluster {name}", flush=True)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so the cluster is deleted on the way out."""
    raise SystemExit(128 + signum)


def create_cluster(
    binaries: Mapping[str, Path],
    name: str,
    workdir: Path,
    *,
    kwok_controller: bool = True,
    unlimited_qps: bool = False,
    extra_args: Sequence[str] = (),
    component_args: Mapping[str, Mapping[str, str]] | None = None,
    apiserver_args: tuple[str, ...] = (),
) -> Cluster:
    """Start a kwokctl cluster `name` in `workdir` and wait until it serves.

    Without `kwok_controller`, kwokctl runs no KWOK controller of its own: whatever
    manages fake nodes must then come from the cluster's own objects. With
    `unlimited_qps` (kwokctl's `--disable-qps-limits`), the scheduler and the
    controller-manager talk to the API server without client-side rate limits.
    `extra_args` are kwokctl `--extra-args` (`component=flag=value`).
    `component_args` gives components more flags (`{"kube-scheduler": {"kube-api-qps":
    "1000"}}`), as `componentsPatches` of kwokctl's configuration: its `--extra-args`
    mislays the second flag of a second component (v0.7.0 panics).
    `apiserver_args` (`flag=value`) are added to the API server's command line.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "kwokctl.yaml"
    config.write_text(_kwokctl_config(component_args or {}))
    (workdir / "bin").mkdir(exist_ok=True)
    kubectl = workdir / "bin" / "kubectl"
    if not kubectl.exists():
        kubectl.symlink_to(binaries["kubectl"])
    command = [
        str(binaries["kwokctl"]),
        "--name",
        name,
        "--config",
        str(config),
        "create",
        "cluster",
        "--runtime",
        "binary",
        "--kubeconfig",
        "",
    ]
    if kwok_controller:
        for extra in KWOK_CONTROLLER_ARGS:
            command += ["--extra-args", extra]
    else:
        command += ["--disable", "kwok-controller"]
    if unlimited_qps:
        command.append("--disable-qps-limits")
    for extra in extra_args:
        command += ["--extra-args", extra]
    for extra in apiserver_args:
        command += ["--extra-args", f"kube-apiserver={extra}"]
    for component, flag in BINARY_FLAGS.items():
        if component != "kwok" or kwok_controller:
            command += [flag, str(binaries[component])]
    print(f"  creating kwokctl cluster {name} (workdir {workdir})", flush=True)
    done = subprocess.run(command, env=_env(workdir), capture_output=True, text=True)
    if done.returncode != 0:
        raise ClusterError(
            f"kwokctl create cluster failed ({done.returncode}):\n{done.stderr.strip()}\n"
            + _component_logs(workdir, name)
        )
    kubeconfig = workdir / "clusters" / name / "kubeconfig.yaml"
    _wait_until_serving(kubeconfig)
    context = str(yaml.safe_load(kubeconfig.read_text())["current-context"])
    return Cluster(name, workdir, kubeconfig, context)


def delete_cluster(binaries: Mapping[str, Path], workdir: Path, name: str) -> None:
    """Stop every component and remove the workdir; safe to call twice."""
    _delete(binaries, workdir, name)


@contextmanager
def kwok_cluster(
    binaries: Mapping[str, Path],
    *,
    kwok_controller: bool = True,
    unlimited_qps: bool = False,
    extra_args: Sequence[str] = (),
    component_args: Mapping[str, Mapping[str, str]] | None = None,
    apiserver_args: tuple[str, ...] = (),
) -> Iterator[Cluster]:
    """Create a uniquely named cluster in a temporary workdir and always delete it."""
    name = f"gpu-fleet-e2e-{uuid.uuid4().hex[:8]}"
    workdir = Path(tempfile.mkdtemp(prefix="gpu-fleet-e2e-kwok-"))
    atexit.register(_delete, binaries, workdir, name)
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield create_cluster(
            binaries,
            name,
            workdir,
            kwok_controller=kwok_controller,
            unlimited_qps=unlimited_qps,
            extra_args=extra_args,
            component_args=component_args,
            apiserver_args=apiserver_args,
        )
    finally:
        _delete(binaries, workdir, name)
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
