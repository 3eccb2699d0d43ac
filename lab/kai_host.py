"""KAI-Scheduler's controllers as host processes on the e2e control plane, configured as
KAI's operator configures them.

In a cluster KAI's chart installs an operator and KAI's `Config` (`kai-config`) and
`SchedulingShard` (`default`); the operator deploys from them the scheduler of each
shard (its actions and plugins in a ConfigMap it renders, passed by `--scheduler-conf`,
with `--nodepool-label-key`, `--partition-label-value`,
`--resource-reservation-app-label` and the rest), the binder, pod grouper, queue
controller, pod-group controller and admission webhooks. No pod can start here (no
container runtime), so the lab asks the operator's own packages what they would deploy
for the release's Config and shards (`kai-render`, built from KAI's source at the release
tag; lab/gomod/kai-render) and runs those commands on the host with the arguments and
scheduler configuration they render, changed only where a host is not a pod:

- addresses to listen on move to free loopback ports (a pod has its own network);
- the scheduler reads its configuration from a file the lab writes from the rendered
  ConfigMap, where a pod mounts it;
- leader election stays off (one replica each, as rendered);
- webhooks: the admission controller's (on pods of KAI's scheduler) are served from the
  host and registered as the operator registers them (lab/kai_admission.py); the queue
  controller's and pod-group controller's validation webhooks are turned off
  (`--enable-webhook=false`, `--enable-podgroup-webhook=false`) and not registered:
  they validate queues and PodGroups, which the program and the scenarios write
  valid, and the stack creates its queues before any KAI controller runs;
- the pod-group controller serves its metrics on :8080 whatever it is told (its
  metrics flag does not reach its manager), so it needs that port free on the host
  (heavy lab runs are one at a time on a machine: `free_port_or_fail`).

`client_limits` replace the client rate limits of every controller (`--qps`, `--burst`),
and `concurrency` the concurrent reconciles of the binder, pod grouper and pod-group
controller (`--max-concurrent-reconciles`, 10 by default), as KAI's `Config` can.
"""

import json
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes.client.exceptions import ApiException

from lab import kube
from lab.host_processes import Supervised
from lab.kueue_host import free_port

LOOPBACK = "127.0.0.1"
CONFIG = ("kai.scheduler", "v1", "configs", "kai-config")
SHARDS = ("kai.scheduler", "v1", "schedulingshards")
# The label fake-gpu-operator's status exporter puts on its nodes; KAI's operator looks
# for one to tell its binder the GPUs are fake.
FAKE_GPU_NODE_LABEL = "run.ai/fake.gpu=true"
# Each host command, and the Deployment of the operator's that runs it in a cluster.
DEPLOYMENTS = {
    "queuecontroller": "queue-controller",
    "podgrouper": "pod-grouper",
    "binder": "binder",
    "podgroupcontroller": "podgroup-controller",
}
SCHEDULER = "scheduler"
# Each command's flags that name an address to listen on (`:port` where the operator
# renders them, the command's default where it does not).
ADDRESS_FLAGS = {
    "queuecontroller": ("metrics-listen-address",),
    "podgrouper": ("metrics-bind-address", "health-probe-bind-address"),
    "binder": ("metrics-bind-address", "health-probe-bind-address"),
    "podgroupcontroller": ("health-probe-bind-address",),
    SCHEDULER: ("listen-address",),
}
# What a host is not: a pod's own network, a mounted configuration, registered webhooks.
HOST_FLAGS = {
    "queuecontroller": ("--enable-webhook=false",),
    "podgroupcontroller": ("--enable-podgroup-webhook=false",),
}
POD_GROUP_CONTROLLER_METRICS_PORT = 8080
# The controllers with a `--max-concurrent-reconciles`.
RECONCILERS = ("binder", "podgrouper", "podgroupcontroller")


class KaiRenderError(RuntimeError):
    """KAI's release or its rendered deployment is not what the lab can run; says what."""


@dataclass(frozen=True)
class Rendered:
    """What the operator deploys: each Deployment's container arguments and literal
    environment, ConfigMaps, and every object (kind, object) as rendered."""

    arguments: dict[str, list[str]]
    environment: dict[str, dict[str, str]]
    config_maps: dict[str, dict[str, str]]
    objects: tuple[tuple[str, dict[str, Any]], ...] = ()

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [obj for found, obj in self.objects if found == kind]


def release_objects(api: Any) -> dict[str, Any]:
    """The release's Config and SchedulingShards, and a node of fake GPUs if there is one:
    what the operator reads."""
    custom = kube.custom(api)
    try:
        config = custom.get_cluster_custom_object(*CONFIG)
    except ApiException as error:
        raise KaiRenderError(
            f"KAI's Config {CONFIG[3]} is not in the cluster ({error.reason}): the release "
            "renders it when its hooks are off (fleet/schedulers/release.py)"
        ) from None
    shards = custom.list_cluster_custom_object(*SHARDS)["items"]
    nodes = kube.items(kube.core(api).list_node, label_selector=FAKE_GPU_NODE_LABEL, limit=1)
    # What the operator looks at of a node: its name and labels.
    named = [{"metadata": {k: n["metadata"][k] for k in ("name", "labels")}} for n in nodes[:1]]
    return {"config": config, "shards": shards, "nodes": named}


def _environment(env: list[dict[str, Any]], metadata: dict[str, Any]) -> dict[str, str]:
    """A container's literal variables, and those a pod's own namespace fills in."""
    values = {e["name"]: e["value"] for e in env if "value" in e}
    for variable in env:
        field = ((variable.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
        if field == "metadata.namespace" and metadata.get("namespace"):
            values[variable["name"]] = metadata["namespace"]
    return values


def render(binary: Path, objects: dict[str, Any]) -> Rendered:
    """Run `kai-render` on the release's objects; its Deployments' arguments and ConfigMaps."""
    done = subprocess.run(
        [str(binary)], input=json.dumps(objects), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise KaiRenderError(f"kai-render failed: {done.stderr.strip()[-2000:]}")
    arguments: dict[str, list[str]] = {}
    environment: dict[str, dict[str, str]] = {}
    config_maps: dict[str, dict[str, str]] = {}
    items = json.loads(done.stdout) or []
    for item in items:
        obj = item["object"]
        name = obj["metadata"]["name"]
        if item["kind"] == "Deployment":
            (container,) = obj["spec"]["template"]["spec"]["containers"]
            arguments[name] = list(container.get("args") or [])
            environment[name] = _environment(container.get("env") or [], obj["metadata"])
        elif item["kind"] == "ConfigMap":
            config_maps[name] = dict(obj.get("data") or {})
    rendered = tuple((item["kind"], item["object"]) for item in items)
    return Rendered(arguments, environment, config_maps, rendered)


def render_release(binary: Path, api: Any) -> Rendered:
    """What KAI's operator deploys for the release in the cluster."""
    return render(binary, release_objects(api))


def _flag(token: str) -> str:
    return token.removeprefix("--").split("=", 1)[0]


def host_arguments(rendered: list[str], replace: dict[str, str]) -> list[str]:
    """`rendered` with each flag of `replace` given its value there (`--flag value` and
    `--flag=value` alike), and those it lacks added."""
    out: list[str] = []
    index = 0
    while index < len(rendered):
        token = rendered[index]
        flag = _flag(token) if token.startswith("--") else ""
        joined = "=" in token
        has_value = joined or (
            index + 1 < len(rendered) and not rendered[index + 1].startswith("--")
        )
        if flag in replace and has_value:
            out.append(f"--{flag}={replace[flag]}")
            index += 1 if joined else 2
            continue
        out.append(token)
        index += 1
    given = {_flag(token) for token in rendered if token.startswith("--")}
    return out + [f"--{flag}={value}" for flag, value in replace.items() if flag not in given]


def _loopbacks(command: str) -> dict[str, str]:
    return {flag: f"{LOOPBACK}:{free_port(LOOPBACK)}" for flag in ADDRESS_FLAGS[command]}


def free_port_or_fail(port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("", port))
        except OSError:
            raise KaiRenderError(
                f"port {port} is taken on this host; {what} listens there whatever it is told"
            ) from None


def client_limit_flags(client_limits: tuple[int, int] | None) -> list[str]:
    """`--qps` and `--burst` of `client_limits` (requests per second, burst), if any."""
    if client_limits is None:
        return []
    return [f"--qps={client_limits[0]}", f"--burst={client_limits[1]}"]


def kai_commands(
    binaries: dict[str, Path],
    rendered: Rendered,
    kubeconfig: Path,
    workdir: Path,
    client_limits: tuple[int, int] | None = None,
    concurrency: int | None = None,
) -> list[Supervised]:
    """KAI's controllers as its operator deploys them (`rendered`), in start order: queue
    controller, pod grouper, binder, pod-group controller, then the scheduler of each
    shard. The admission webhooks are `lab/kai_admission.py`'s."""
    limits = client_limit_flags(client_limits)
    commands: list[tuple[str, str, str, list[str]]] = []
    for command, deployment in DEPLOYMENTS.items():
        if deployment not in rendered.arguments:
            raise KaiRenderError(f"KAI's operator renders no Deployment {deployment}")
        own = _loopbacks(command)
        if concurrency is not None and command in RECONCILERS:
            own["max-concurrent-reconciles"] = str(concurrency)
        arguments = host_arguments(rendered.arguments[deployment], own)
        commands.append(
            (f"kai-{command}", command, deployment, [*arguments, *HOST_FLAGS.get(command, ())])
        )
    shards = sorted(
        name
        for name, args in rendered.arguments.items()
        if any(a.startswith("--scheduler-conf") for a in args)
    )
    if not shards:
        raise KaiRenderError("KAI's operator renders no scheduler (is there no SchedulingShard?)")
    for deployment in shards:
        conf = workdir / f"{deployment}.yaml"
        (data,) = rendered.config_maps[deployment].values()
        conf.write_text(data)
        own = {"scheduler-conf": str(conf), **_loopbacks(SCHEDULER)}
        own |= {flag: str(free_port(LOOPBACK)) for flag in ("profiler-port", "plugin-server-port")}
        commands.append(
            (deployment, SCHEDULER, deployment, host_arguments(rendered.arguments[deployment], own))
        )
    free_port_or_fail(POD_GROUP_CONTROLLER_METRICS_PORT, "KAI's pod-group controller")
    return [
        Supervised(
            name,
            [command, *arguments, *limits],
            binaries[f"kai-{command}"],
            {**rendered.environment.get(deployment, {}), "KUBECONFIG": str(kubeconfig)},
            workdir / f"{name}.log",
        )
        for name, command, deployment, arguments in commands
    ]
