"""The e2e session: the real Pulumi engine drives this program against a real control plane.

One kwokctl control plane (API server, scheduler, controller-manager, etcd, and a
KWOK controller for fake nodes) serves the session; fake-gpu-operator's own commands
run on the host against it (there is no container runtime for its pods). Every
object in the cluster is created by the program's components through the engine.
Scenarios that need a cluster of their own (KWOK installed by the program, the kind
stand-in) make one.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fleet.stack import versions
from lab import host_processes, kube, steps, tools
from lab.cluster import Cluster, kwok_cluster
from lab.dynamic_provider import ensure_dynamic_provider_plugin
from lab.engine import FleetStack
from lab.host_processes import Supervisor
from lab.lesson1 import OPERATOR_NAMESPACE, lesson1_config
from lab.scheduler_hosts import ROUTED_APISERVER_ARGS
from tests.e2e.routed import RoutedLab


@pytest.fixture(scope="session", autouse=True)
def offline() -> Iterator[None]:
    """The tier runs offline (lab/public.py): tools come from the cache, the module proxy
    or the source trees, never from a download beyond the package registries."""
    given = os.environ.get("GPU_FLEET_UPSTREAM")
    os.environ["GPU_FLEET_UPSTREAM"] = given or str(tools.upstream_root())
    yield
    if given is None:
        del os.environ["GPU_FLEET_UPSTREAM"]


@pytest.fixture(scope="session")
def binaries() -> dict[str, Path]:
    with steps.step("tools: build or reuse the binaries"):
        return tools.ensure_tools()


@pytest.fixture(scope="session")
def engine(binaries: dict[str, Path]) -> tools.Engine:
    with steps.step("engine: Pulumi CLI, language host, provider plugins"):
        engine = tools.ensure_engine(binaries)
        # Every stack has dynamic-provider resources (the pools, or their status).
        ensure_dynamic_provider_plugin(engine)
        return engine


@pytest.fixture(scope="session")
def cluster(binaries: dict[str, Path]) -> Iterator[Cluster]:
    with kwok_cluster(binaries) as created:
        yield created


@pytest.fixture(scope="session")
def operator(binaries: dict[str, Path], cluster: Cluster) -> Iterator[Supervisor]:
    """fake-gpu-operator's status-updater and kwok-gpu-device-plugin, on the host."""
    commands = host_processes.operator_commands(
        binaries, cluster, OPERATOR_NAMESPACE, versions.OPERATOR_VERSION
    )
    with host_processes.supervised(commands) as supervisor:
        yield supervisor


@pytest.fixture(scope="session")
def lesson1(
    engine: tools.Engine,
    cluster: Cluster,
    operator: Supervisor,
    tmp_path_factory: pytest.TempPathFactory,
) -> FleetStack:
    """The lesson-1 stack, brought up once by `pulumi up` for the session."""
    stack = FleetStack(engine, tmp_path_factory.mktemp("lesson1"), "e2e-lesson1")
    stack.write_config(lesson1_config(cluster))
    stack.first_up = stack.up()
    return stack


@pytest.fixture(scope="session")
def api(cluster: Cluster) -> Iterator[Any]:
    client = kube.api_client(cluster.kubeconfig)
    yield client
    client.close()


@pytest.fixture(scope="module")
def routed_cluster(binaries: dict[str, Path]) -> Iterator[Cluster]:
    """A control plane of the module's own whose API server sends a Service's traffic to
    its endpoints, for schedulers whose webhooks run on the host (harness/kueue_host.py)."""
    with kwok_cluster(binaries, apiserver_args=ROUTED_APISERVER_ARGS) as created:
        yield created


@pytest.fixture(scope="module")
def routed_api(routed_cluster: Cluster) -> Iterator[Any]:
    client = kube.api_client(routed_cluster.kubeconfig)
    yield client
    client.close()


@pytest.fixture(scope="module")
def routed_operator(binaries: dict[str, Path], routed_cluster: Cluster) -> Iterator[Supervisor]:
    """fake-gpu-operator's device-plugin commands on the host, for the module's cluster."""
    commands = host_processes.operator_commands(
        binaries, routed_cluster, OPERATOR_NAMESPACE, versions.OPERATOR_VERSION
    )
    with host_processes.supervised(commands) as supervisor:
        yield supervisor


@pytest.fixture(scope="module")
def routed_lab(
    engine: tools.Engine,
    binaries: dict[str, Path],
    routed_cluster: Cluster,
    routed_api: Any,
    routed_operator: Supervisor,
    tmp_path_factory: pytest.TempPathFactory,
) -> RoutedLab:
    """The module's routed control plane, the operator's commands running for it: what a
    scheduler module's stack stands on."""
    return RoutedLab(engine, binaries, routed_cluster, routed_api, tmp_path_factory)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Step durations, so a slow step is visible in CI's log."""
    if not steps.TIMELINE:
        return
    terminalreporter.section("e2e steps")
    for line in steps.summary_lines():
        terminalreporter.line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With E2E_STRICT=1, a skipped e2e test fails the run: nothing passes by not running."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if os.environ.get("E2E_STRICT") == "1" and skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
