"""KAI-Scheduler's controllers as host processes on the e2e control plane.

In a cluster KAI's chart installs an operator, and the operator deploys the scheduler,
binder, pod grouper, pod-group and queue controllers and admission webhooks from the
chart's `Config` and `SchedulingShard`. No pod can start here (no container runtime),
so the tier runs those controllers on the host, each built from KAI's source at the
release tag, with the arguments the operator gives them for the chart's defaults, its
ports moved to free loopback ones (or off) and leader election off (one replica each).

Webhooks: the chart itself registers none; KAI's operator creates the admission and
queue-validation webhook configurations when it deploys those controllers. Without the
operator none is registered, so the queue controller runs with `--enable-webhook=false`
and the admission controller is not run: KAI's pods and queues are not checked by
KAI's webhooks here (they would reject nothing the scheduler demo creates: whole GPUs,
no fractions, valid queues).
"""

from pathlib import Path

from fleet.schedulers.kai import SCHEDULER_NAME
from lab.host_processes import Supervised
from lab.kueue_host import free_port

LOOPBACK = "127.0.0.1"


def _loopback() -> str:
    return f"{LOOPBACK}:{free_port(LOOPBACK)}"


def _arguments(command: str, namespace: str) -> list[str]:
    scheduler = f"--scheduler-name={SCHEDULER_NAME}"
    controller_runtime = ["--metrics-bind-address=0", f"--health-probe-bind-address={_loopback()}"]
    if command == "scheduler":
        return [
            scheduler,
            f"--namespace={namespace}",
            f"--listen-address={_loopback()}",
            f"--profiler-port={free_port(LOOPBACK)}",
            f"--plugin-server-port={free_port(LOOPBACK)}",
        ]
    if command == "queuecontroller":
        return ["--enable-webhook=false", f"--metrics-listen-address={_loopback()}"]
    return [scheduler, *controller_runtime]


# The controllers the scheduler demo needs, in start order. The pod-group controller
# (it writes PodGroup status; the scheduler does not read it) is not run: its metrics
# port is fixed at :8080 (its flag is not passed to its manager), which a shared host
# cannot promise.
KAI_HOST_COMMANDS = ("queuecontroller", "podgrouper", "binder", "scheduler")


def kai_commands(
    binaries: dict[str, Path],
    kubeconfig: Path,
    namespace: str,
    logs: Path,
    client_limits: tuple[int, int] | None = None,
) -> list[Supervised]:
    """`client_limits` (requests per second, burst) replace every controller's client rate
    limits toward the API server (50/300 by default), as KAI's `Config` can."""
    limits = (
        []
        if client_limits is None
        else [f"--qps={client_limits[0]}", f"--burst={client_limits[1]}"]
    )
    return [
        Supervised(
            f"kai-{command}",
            [command, *_arguments(command, namespace), *limits],
            binaries[f"kai-{command}"],
            {"KUBECONFIG": str(kubeconfig)},
            logs / f"kai-{command}.log",
        )
        for command in KAI_HOST_COMMANDS
    ]
