"""A stack's scheduler brought up on a control plane of the e2e tier: its release by the
program, its controllers on the host (harness/kueue_host.py, harness/kai_host.py).

Kueue comes up in two steps, as `tests/e2e/test_81_kueue.py` does: the release first,
then (once the manager serves its webhooks, which admit every Kueue object) the teams'
queues. KAI registers no webhook here, so its stack is already whole.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fleet.stack.spec import SCHEDULER_NAMESPACES
from tests.e2e.harness import host_processes, kueue_host, steps
from tests.e2e.harness.cluster import Cluster
from tests.e2e.harness.host_processes import Supervisor
from tests.e2e.harness.kai_host import kai_commands

# The API server must reach Kueue's webhooks on the host through their Service.
ROUTED_APISERVER_ARGS = ("enable-aggregator-routing=true",)


@contextmanager
def kueue_serving(
    binaries: dict[str, Path],
    cluster: Cluster,
    api: Any,
    workdir: Path,
    then_up: Callable[[], object],
    client_limits: tuple[int, int] | None = None,
) -> Iterator[Supervisor]:
    """Kueue's manager on the host, serving its webhooks; then `then_up` (the teams' `up`)."""
    namespace = SCHEDULER_NAMESPACES["kueue"]
    host = kueue_host.write_config(api, namespace, workdir, client_limits)
    kueue_host.point_webhook_service_at_host(api, namespace, host)
    manager = kueue_host.manager_command(binaries, cluster.kubeconfig, host)
    with (
        kueue_host.secret_volume(api, namespace, host),
        host_processes.supervised([manager]) as supervisor,
    ):
        with steps.step("kueue: manager serving its webhooks"):
            try:
                kueue_host.wait_for_webhooks(api)
            except AssertionError:
                print(supervisor.log_tail(40))
                raise
        then_up()
        yield supervisor


@contextmanager
def scheduler_running(
    scheduler: str,
    binaries: dict[str, Path],
    cluster: Cluster,
    api: Any,
    workdir: Path,
    then_up: Callable[[], object],
    client_limits: tuple[int, int] | None = None,
) -> Iterator[Supervisor | None]:
    """The stack's scheduler's controllers running (none for the default scheduler, whose
    kube-scheduler is the control plane's); `then_up` brings up what needed them."""
    if scheduler == "kueue":
        with kueue_serving(binaries, cluster, api, workdir, then_up, client_limits) as running:
            yield running
    elif scheduler == "kai":
        namespace = SCHEDULER_NAMESPACES["kai"]
        commands = kai_commands(binaries, cluster.kubeconfig, namespace, workdir, client_limits)
        with host_processes.supervised(commands) as running:
            then_up()
            yield running
    else:
        then_up()
        yield None
