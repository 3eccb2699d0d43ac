"""A stack's scheduler brought up on a control plane of the e2e tier: its release by the
program, its controllers on the host (lab/kueue_host.py, lab/kai_host.py).

Kueue comes up in two steps (`tests/e2e/test_81_kueue.py`, `make bench-schedulers`): the
release first, then, once the manager serves its webhooks (which admit every Kueue
object), the teams' queues. KAI registers no webhook here: its stack comes up whole, and
its controllers start from what its operator renders for the release (lab/kai_host.py).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fleet.stack.spec import SCHEDULER_NAMESPACES
from lab import host_processes, kueue_host, steps
from lab.cluster import Cluster
from lab.host_processes import Supervisor
from lab.kai_host import kai_commands
from lab.kueue_host import KueueTuning

# The API server must reach Kueue's webhooks on the host through their Service.
ROUTED_APISERVER_ARGS = ("enable-aggregator-routing=true",)


@contextmanager
def scheduler_running(
    scheduler: str,
    binaries: dict[str, Path],
    cluster: Cluster,
    api: Any,
    workdir: Path,
    then_up: Callable[[], object],
    client_limits: tuple[int, int] | None = None,
    job_concurrency: int | None = None,
) -> Iterator[Supervisor | None]:
    """The stack's scheduler's controllers running (none for the default scheduler, whose
    kube-scheduler is the control plane's), then `then_up`: what needed them (Kueue's
    teams, which pass its webhooks once its manager serves them). `client_limits` (requests
    per second, burst) are its controllers' client rate limits; `job_concurrency` the
    concurrent reconciles of the controllers on a job's path (Kueue's Job, Pod and
    Workload reconcilers; KAI's binder, pod grouper and pod-group controller), None for
    their defaults."""
    if scheduler == "default":
        then_up()
        yield None
        return
    if scheduler == "kai":
        # As KAI's operator deploys them for the release (already in the cluster).
        commands = kai_commands(
            binaries,
            api,
            cluster.kubeconfig,
            workdir,
            client_limits,
            job_concurrency,
        )
        with host_processes.supervised(commands) as running:
            then_up()
            yield running
        return
    namespace = SCHEDULER_NAMESPACES[scheduler]
    tuning = KueueTuning(job_concurrency=job_concurrency)
    host = kueue_host.write_config(api, namespace, workdir, client_limits, tuning)
    kueue_host.point_webhook_service_at_host(api, namespace, host)
    manager = kueue_host.manager_command(binaries, cluster.kubeconfig, host)
    with (
        kueue_host.secret_volume(api, namespace, host),
        host_processes.supervised([manager]) as running,
    ):
        with steps.step("kueue: manager serving its webhooks"):
            try:
                kueue_host.wait_for_webhooks(api)
            except AssertionError:
                print(running.log_tail(40))
                raise
        then_up()
        yield running
