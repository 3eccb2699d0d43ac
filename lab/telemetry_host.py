"""GPU telemetry as host processes: the operator's KWOK exporter and a real Prometheus.

On the e2e control plane (no container runtime) the exporter the operator's chart
runs as a pod (`status-exporter-kwok`, 0.2.0) runs on the host like the operator's
other commands, with the environment its chart gives the pod. It serves
`/metrics` on port 9400 of every interface: the port is fixed in its source, so
one lab at a time can run it (the heavy-job lock serializes them). Prometheus
(built from the module proxy) runs beside it on a free loopback port with the
configuration and rules the program renders (`fleet.telemetry`), its data in the
lab's work folder.
"""

import socket
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from fleet.stack.spec import FleetSpec
from fleet.telemetry.prometheus_api import PrometheusError, query
from fleet.telemetry.rules import rule_groups
from fleet.telemetry.scrape import RULE_FILE, server_config
from fleet.telemetry.series import EXPORTER_PORT
from lab.cluster import Cluster
from lab.host_processes import Supervised
from lab.pins import EXPORTER_TOOL, PROMETHEUS_TOOL
from lab.waits import poll

EXPORTER_TARGET = f"127.0.0.1:{EXPORTER_PORT}"
# Enough history for a run; the lab's Prometheus lives as long as its lab.
RETENTION = "2h"
# Scraping starts, the rules evaluate, an alert's `for` passes.
ALERT_TIMEOUT = 300.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def exporter_command(binaries: Mapping[str, Path], cluster: Cluster, namespace: str) -> Supervised:
    """`status-exporter-kwok` with the environment of the chart's Deployment."""
    env = {
        "KUBECONFIG": str(cluster.kubeconfig),
        "TOPOLOGY_CM_NAME": "topology",
        "TOPOLOGY_CM_NAMESPACE": namespace,
    }
    name = EXPORTER_TOOL.name
    return Supervised(
        name, [name], binaries[EXPORTER_TOOL.binary_name], env, cluster.workdir / f"{name}.log"
    )


@dataclass(frozen=True)
class HostPrometheus:
    command: Supervised
    url: str
    config: Path
    rules: Path


def prometheus_command(
    binaries: Mapping[str, Path], cluster: Cluster, spec: FleetSpec
) -> HostPrometheus:
    """Prometheus scraping the host exporter, with the fleet's rules, on a free port."""
    folder = cluster.workdir / "prometheus"
    folder.mkdir(parents=True, exist_ok=True)
    rules = folder / RULE_FILE
    rules.write_text(yaml.safe_dump(rule_groups(spec), sort_keys=False))
    config = folder / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(server_config(spec.monitoring, EXPORTER_TARGET, RULE_FILE), sort_keys=False)
    )
    address = f"127.0.0.1:{_free_port()}"
    argv = [
        "prometheus",
        f"--config.file={config}",
        f"--storage.tsdb.path={folder / 'data'}",
        f"--storage.tsdb.retention.time={RETENTION}",
        f"--web.listen-address={address}",
    ]
    command = Supervised(
        "prometheus", argv, binaries[PROMETHEUS_TOOL.binary_name], {}, folder / "prometheus.log"
    )
    return HostPrometheus(command, f"http://{address}", config, rules)


def wait_for_alerts(url: str, alert: str, count: int, timeout: float = ALERT_TIMEOUT) -> None:
    """Until `count` series of `alert` fire at `url`; TimeoutError naming what was seen."""

    def check() -> tuple[bool, str]:
        if not ready(url):
            return False, "Prometheus not ready"
        try:
            firing = query(url, f'ALERTS{{alertname="{alert}", alertstate="firing"}}')
        except PrometheusError as error:
            return False, str(error)
        return len(firing) >= count, f"{len(firing)} firing"

    poll(f"{alert} firing {count} times", check, timeout)


def ready(url: str) -> bool:
    """Whether the server at `url` answers its readiness probe."""
    try:
        # `url` is the lab's own http://127.0.0.1:<port>.
        with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except OSError:
        return False
