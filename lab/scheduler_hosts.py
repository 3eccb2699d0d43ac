"""A stack's scheduler brought up on a control plane of the e2e tier: its release by the
program, its controllers on the host (lab/kueue_host.py, lab/kai_host.py).

Kueue comes up in two steps (`tests/e2e/test_81_kueue.py`, `make bench-schedulers`): the
release first, then, once the manager serves its webhooks (which admit every Kueue
object), the teams' queues. KAI's stack comes up whole (its queues pass no webhook here),
then its controllers and admission webhooks start from what its operator renders for the
release (lab/kai_host.py, lab/kai_admission.py).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fleet.schedulers.kai import SCHEDULER_NAME
from fleet.stack.spec import SCHEDULER_NAMESPACES
from lab import host_processes, kai_admission, kai_host, kube, kueue_host, steps
from lab.cluster import Cluster
from lab.host_processes import Supervisor
from lab.kueue_host import KueueTuning

# The API server must reach Kueue's and KAI's webhooks on the host through their Service.
ROUTED_APISERVER_ARGS = ("enable-aggregator-routing=true",)


@contextmanager
def kai_running(
    binaries: dict[str, Path],
    api: Any,
    kubeconfig: Path,
    workdir: Path,
    client_limits: tuple[int, int] | None = None,
    job_concurrency: int | None = None,
) -> Iterator[Supervisor]:
    """KAI's controllers and admission webhooks as its operator deploys them for the release
    in the cluster (which must be up), the webhooks serving."""
    rendered = kai_host.render_release(binaries["kai-render"], api)
    commands = kai_host.kai_commands(
        binaries, rendered, kubeconfig, workdir, client_limits, job_concurrency
    )
    port = kueue_host.free_port(kueue_host.host_address())
    limits = kai_host.client_limit_flags(client_limits)
    admission = kai_admission.admission_command(
        binaries, rendered, kubeconfig, workdir, port, limits
    )
    with host_processes.supervised([*commands, admission]) as running:
        config = kube.custom(api).get_cluster_custom_object(*kai_host.CONFIG)
        kai_admission.register(api, rendered, config["spec"]["namespace"], config, port)
        with steps.step("kai: admission webhooks serving"):
            try:
                kai_admission.wait_serving(api, SCHEDULER_NAME)
            except AssertionError:
                print(running.log_tail(40))
                raise
        yield running


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
        with kai_running(
            binaries, api, cluster.kubeconfig, workdir, client_limits, job_concurrency
        ) as running:
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
