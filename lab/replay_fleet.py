"""A fleet for replays: KWOK installed by the program's `Kwok` component (so its job-complete
Stage is the one that ends pods), on a control plane of its own.

As in `test_5_kwok_component.py`, the Deployment the component installs cannot run
here; the same `kwok` binary runs on the host with the configuration the component
installed (ConfigMap kube-system/kwok), reading the Stage objects it created. The
operator's device plugin (or, for a stack offering GPUs by DRA, its KWOK DRA plugin)
runs on the host too (`host_processes`). A stack with a scheduler (`kueue`, `kai`) gets
its release and teams from the program and its controllers on the host
(`scheduler_hosts`).
"""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleet.stack import versions
from lab import charts, host_processes, kube, tools, waits
from lab.cluster import Cluster, kwok_cluster
from lab.dynamic_provider import ensure_dynamic_provider_plugin
from lab.engine import FleetStack
from lab.host_processes import DEVICE_PLUGIN_COMMANDS, DRA_COMMANDS, Supervisor
from lab.lesson1 import OPERATOR_NAMESPACE, lesson1_config
from lab.scheduler_hosts import ROUTED_APISERVER_ARGS, scheduler_running

NODES_TIMEOUT = 300.0
SLICES = ("resource.k8s.io", "v1", "resourceslices")


@dataclass(frozen=True)
class ReplayFleet:
    cluster: Cluster
    stack: FleetStack
    api: Any
    supervisor: Supervisor
    controllers: Supervisor | None
    """The scheduler's controllers on the host (None for the default scheduler)."""


def replay_config(
    cluster: Cluster,
    pools: dict[str, Any],
    binaries: dict[str, Path],
    operator: str,
    offer: str = "devicePlugin",
    scheduler: str = "default",
) -> dict[str, Any]:
    """The lesson-1 layout of a stack with `pools`, KWOK from the program, the demo off;
    a kueue or kai `scheduler` from its chart built by the tier (no pod of it can start
    here: the release is not awaited, its hooks not run)."""
    config = lesson1_config(cluster, pools)
    config["gpuOffer"] = offer
    config["kwok"] = {
        "manifests": [str(path) for path in tools.kwok_manifests(binaries["kubectl"])],
        "wait": False,
    }
    config["operator"]["version"] = operator
    config["operator"]["chart"] = str(charts.operator_chart(operator))
    config["demo"] = {"enabled": False}
    if sum(pool["nodes"] for pool in pools.values()) > 200:
        config["nodeResources"] = "perPool"
    if scheduler != "default":
        chart = charts.kueue_chart() if scheduler == "kueue" else charts.kai_chart()
        config["scheduler"] = scheduler
        config["schedulerRelease"] = {"chart": str(chart), "wait": False, "hooks": False}
    return config


@contextmanager
def replay_fleet(
    binaries: dict[str, Path],
    engine: tools.Engine,
    workdir: Path,
    name: str,
    pools: dict[str, Any],
    *,
    operator: str = versions.OPERATOR_VERSION,
    unlimited_qps: bool = True,
    extra_args: Sequence[str] = (),
    kwok_parallelism: int | None = None,
    offer: str = "devicePlugin",
    scheduler: str = "default",
    teams: dict[str, Any] | None = None,
    client_limits: tuple[int, int] | None = None,
    job_concurrency: int | None = None,
) -> Iterator[ReplayFleet]:
    """`pulumi up` of the fleet, then KWOK and the operator on the host; nodes Ready with
    GPUs (`nvidia.com/gpu`, or for `offer` dra a ResourceSlice per node with its GPUs);
    then the `scheduler`'s controllers on the host, with its `teams`.

    `unlimited_qps` (on by default: with the controller-manager's own client limit of 20
    requests a second, shared by all its controllers, the Job controller created 5 % of a
    60x probe's pods 2 s late on lesson 1) and `extra_args` go to kwokctl;
    `kwok_parallelism` replaces the pod and node stage parallelism of the configuration
    KWOK's release installs (4);
    `client_limits` (requests per second, burst) those of the scheduler's controllers;
    `job_concurrency` the concurrency of its controllers on a job's path
    (`scheduler_hosts.scheduler_running`).
    The control plane (and everything in it) is deleted on the way out.
    """
    routed = ROUTED_APISERVER_ARGS if scheduler in ("kueue", "kai") else ()
    with kwok_cluster(
        binaries,
        kwok_controller=False,
        unlimited_qps=unlimited_qps,
        extra_args=extra_args,
        apiserver_args=routed,
    ) as cluster:
        stack = FleetStack(engine, workdir, name)
        config = replay_config(cluster, pools, binaries, operator, offer, scheduler)
        whole = {**config, "teams": teams} if teams else config
        if config.get("nodeResources") == "perPool":
            ensure_dynamic_provider_plugin(engine)
        # Kueue's queues pass its webhooks: they come once its manager serves.
        stack.write_config(config if scheduler == "kueue" else whole)
        stack.first_up = stack.up()

        def teams_up() -> None:
            if scheduler == "kueue" and teams:
                stack.write_config(whole)
                stack.up()

        api = kube.api_client(cluster.kubeconfig)
        try:
            commands = [
                *host_processes.kwok_shard_commands(
                    binaries,
                    cluster,
                    lambda config: _with_parallelism(config, kwok_parallelism),
                ),
                *host_processes.operator_commands(
                    binaries,
                    cluster,
                    OPERATOR_NAMESPACE,
                    operator,
                    DRA_COMMANDS if offer == "dra" else DEVICE_PLUGIN_COMMANDS,
                ),
            ]
            with host_processes.supervised(commands) as supervisor:
                nodes = sum(pool["nodes"] for pool in pools.values())
                gpus = sum(pool["nodes"] * pool["gpusPerNode"] for pool in pools.values())
                if offer == "dra":
                    waits.wait_for_nodes(api, nodes, 0, NODES_TIMEOUT)
                    waits.poll(
                        f"a ResourceSlice per node, {gpus} devices",
                        lambda: _slices(api, nodes, gpus),
                        NODES_TIMEOUT,
                    )
                else:
                    waits.wait_for_nodes(api, nodes, gpus, NODES_TIMEOUT)
                with scheduler_running(
                    scheduler,
                    binaries,
                    cluster,
                    api,
                    workdir,
                    teams_up,
                    client_limits,
                    job_concurrency,
                ) as controllers:
                    yield ReplayFleet(cluster, stack, api, supervisor, controllers)
        finally:
            api.close()


def _slices(api: Any, nodes: int, gpus: int) -> tuple[bool, tuple[int, int]]:
    found = kube.custom(api).list_cluster_custom_object(*SLICES).get("items", [])
    ours = [s for s in found if s["spec"].get("driver") == "gpu.nvidia.com"]
    state = (len(ours), sum(len(s["spec"].get("devices") or []) for s in ours))
    return state == (nodes, gpus), state


def _with_parallelism(config: str, parallelism: int | None) -> str:
    if parallelism is None:
        return config
    return re.sub(
        r"^(\s*(?:pod|node)PlayStageParallelism:) \d+$",
        rf"\1 {parallelism}",
        config,
        flags=re.MULTILINE,
    )
