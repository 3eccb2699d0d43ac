"""GPU telemetry under the real engine: fake-gpu-operator 0.2.0's KWOK exporter and a real
Prometheus (built from the module proxy) on the host, scraping it with the configuration and
rules the program renders; the stack installs the community chart (assembled offline) too.

On a control plane of its own with lesson 1's pools and demo, the queue's replicas declared
idle (`0-5`) so that the idle alert has something to see, every threshold at 0 minutes so
that the alerts fire within the test. Checked: one live series per GPU, the 32 GPUs of the
32 Running pods labelled with them, every panel of the shipped dashboard with a series for
each allocated GPU, the rules' own unit tests under `promtool test rules`, and
`fleet evidence --prometheus` then `fleet report` passing its telemetry rows with the
expected alerts firing (and the others not).
"""

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleet.demo.workloads import QUEUE
from fleet.stack.load import load_stack_file
from fleet.telemetry.dashboard import dashboard, panel_queries, variable_queries
from fleet.telemetry.prometheus_api import query
from fleet.telemetry.rules import rule_groups
from fleet.telemetry.series import LIVE_UTIL, SCRAPE_JOB, UTIL
from lab import host_processes, kube
from lab.charts import operator_chart, prometheus_chart
from lab.cluster import Cluster, kwok_cluster
from lab.engine import FleetStack
from lab.host_processes import Supervisor
from lab.lesson1 import LESSON1_POOLS, OPERATOR_NAMESPACE
from lab.paths import ROOT
from lab.pins import OPERATOR_DRA_VERSION, PROMTOOL_TOOL
from lab.telemetry_host import HostPrometheus, exporter_command, prometheus_command, ready
from lab.tools import Engine
from lab.waits import poll, settle
from tests.e2e.promtool_cases import rules_test, spec_for_rules

pytestmark = pytest.mark.e2e

FLEET_GPUS = 32
SCRAPED_TIMEOUT = 180.0


@dataclass
class TelemetryLab:
    stack: FleetStack
    prometheus: HostPrometheus
    supervisor: Supervisor
    api: Any


def telemetry_config(cluster: Cluster) -> dict[str, Any]:
    return {
        "cluster": cluster.as_stack_cluster(),
        "pools": LESSON1_POOLS,
        "kwok": {"install": False},
        "operator": {
            "version": OPERATOR_DRA_VERSION,
            "chart": str(operator_chart(OPERATOR_DRA_VERSION)),
            "namespace": OPERATOR_NAMESPACE,
            "wait": False,
            "hooks": False,
        },
        "monitoring": {
            "enabled": True,
            "chart": str(prometheus_chart()),
            # No container runtime: the chart's pods cannot start; Prometheus runs on the host.
            "wait": False,
            "scrapeIntervalSeconds": 5,
            "idleMinutes": 0,
            "poolFullMinutes": 0,
            "pendingMinutes": 0,
        },
        "demo": {"enabled": True, "queueReplicas": 40, "utilization": {QUEUE: "0-5"}},
    }


@pytest.fixture(scope="module")
def lab(
    binaries: dict[str, Path], engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TelemetryLab]:
    with kwok_cluster(binaries) as cluster:
        stack = FleetStack(engine, tmp_path_factory.mktemp("telemetry"), "e2e-telemetry")
        stack.write_config(telemetry_config(cluster))
        spec = load_stack_file(stack.stack_file)
        prometheus = prometheus_command(binaries, cluster, spec)
        commands = [
            *host_processes.operator_commands(
                binaries, cluster, OPERATOR_NAMESPACE, OPERATOR_DRA_VERSION
            ),
            exporter_command(binaries, cluster, OPERATOR_NAMESPACE),
            prometheus.command,
        ]
        api = kube.api_client(cluster.kubeconfig)
        try:
            with host_processes.supervised(commands) as supervisor:
                stack.first_up = stack.up()
                settle(api, stack.stack_file)
                yield TelemetryLab(stack, prometheus, supervisor, api)
        finally:
            api.close()


def lesson1_nodes(pool: str) -> list[str]:
    count = int(str(LESSON1_POOLS[pool]["nodes"]))
    return [f"kwok-gpu-{pool}-{index}" for index in range(count)]


def scraped(lab: TelemetryLab) -> None:
    """Every GPU has a live series and the Running pods' GPUs carry their pods."""
    url = lab.prometheus.url

    def check() -> tuple[bool, str]:
        if not ready(url):
            return False, "Prometheus not ready"
        gpus = query(url, f"count({LIVE_UTIL})")
        held = query(url, f'count({LIVE_UTIL}{{pod!=""}})')
        counts = (gpus[0].value if gpus else 0, held[0].value if held else 0)
        return counts == (FLEET_GPUS, FLEET_GPUS), f"live series, labelled: {counts}"

    try:
        poll("GPU series scraped", check, SCRAPED_TIMEOUT)
    except TimeoutError as error:
        raise AssertionError(f"{error}\n{lab.supervisor.log_tail()}") from None


def test_the_rules_pass_their_promtool_unit_tests(
    binaries: dict[str, Path], tmp_path: Path
) -> None:
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rule_groups(spec_for_rules())))
    promtool = binaries[PROMTOOL_TOOL.binary_name]
    (tmp_path / "check.yml").write_text(yaml.safe_dump(rules_test("rules.yml")))
    done = subprocess.run(
        [str(promtool), "test", "rules", "check.yml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # promtool does check: the same case expecting no idle alert fails.
    (tmp_path / "wrong.yml").write_text(
        yaml.safe_dump(rules_test("rules.yml", idle_expected=False))
    )
    wrong = subprocess.run(
        [str(promtool), "test", "rules", "wrong.yml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert wrong.returncode != 0
    assert "GpuAllocatedIdle" in wrong.stdout + wrong.stderr


def test_one_live_series_per_gpu_labelled_with_its_pod(lab: TelemetryLab) -> None:
    scraped(lab)
    url = lab.prometheus.url
    live = query(url, LIVE_UTIL)
    assert len(live) == FLEET_GPUS
    assert len({s.labels["UUID"] for s in live}) == FLEET_GPUS
    for sample in live:
        assert sample.labels["instance"] == sample.labels["Hostname"]
        assert sample.labels["Hostname"].startswith(f"kwok-gpu-{sample.labels['pool']}-")
        assert sample.labels["namespace"] == "gpu-demo"
    pods = {s.labels["pod"] for s in live}
    running = kube.items(
        kube.core(lab.api).list_namespaced_pod, "gpu-demo", field_selector="status.phase=Running"
    )
    assert pods == {pod["metadata"]["name"] for pod in running}
    # The exporter's raw series: at least one per GPU (it keeps a GPU's stale free series).
    raw = query(url, f"count({UTIL})")
    assert raw[0].value >= FLEET_GPUS
    assert query(url, f'up{{job="{SCRAPE_JOB}"}}')[0].value == 1


def test_every_dashboard_panel_has_a_series_for_each_allocated_gpu(lab: TelemetryLab) -> None:
    scraped(lab)
    url = lab.prometheus.url
    allocated = {s.labels["UUID"] for s in query(url, f'{LIVE_UTIL}{{pod!=""}}')}
    assert len(allocated) == FLEET_GPUS
    document = dashboard()
    panels = panel_queries(document)
    assert len(panels) == len(document["panels"]) == 7
    for title, promql in panels:

        def covered(promql: str = promql) -> tuple[bool, set[str]]:
            found = {s.labels.get("UUID", "") for s in query(url, promql)}
            return allocated <= found, allocated - found

        missing = poll(f"panel {title!r}", covered, 60)
        assert not missing, (title, promql)
    nodes = {node for pool in LESSON1_POOLS for node in lesson1_nodes(pool)}
    for name, promql in variable_queries(document):
        values = {s.labels.get(name, "") for s in query(url, promql)}
        assert values == (nodes if name == "instance" else {str(i) for i in range(8)}), name


def test_evidence_records_telemetry_and_the_report_passes(
    lab: TelemetryLab, tmp_path: Path
) -> None:
    scraped(lab)
    url = lab.prometheus.url

    def alerts_seen() -> tuple[bool, set[str]]:
        found = {s.labels["alertname"] for s in query(url, 'ALERTS{alertstate="firing"}')}
        return {"GpuPoolNearlyFull", "GpuAllocatedIdle"} <= found, found

    firing = poll("alerts firing", alerts_seen, 120)
    assert "GpuExporterDown" not in firing
    out = tmp_path / "evidence"
    fleet = [sys.executable, "-m", "fleet"]
    evidence = [*fleet, "evidence", "--stack", str(lab.stack.stack_file), "--out", str(out)]
    subprocess.run([*evidence, "--prometheus", url], cwd=ROOT, check=True)
    report = subprocess.run([*fleet, "report", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert report.returncode == 0, report.stdout + report.stderr
    assert "## GPU telemetry" in report.stdout
    assert "FAIL" not in report.stdout
    telemetry = json.loads((out / "telemetry.json").read_text())
    assert telemetry["gpuCount"] == FLEET_GPUS
    pools_full = {
        a["labels"]["pool"] for a in telemetry["alerts"] if a["name"] == "GpuPoolNearlyFull"
    }
    assert pools_full == set(LESSON1_POOLS)
    idle = {a["labels"]["pod"] for a in telemetry["alerts"] if a["name"] == "GpuAllocatedIdle"}
    assert idle
    assert all(pod.startswith(f"{QUEUE}-") for pod in idle)
    print(report.stdout[report.stdout.index("## GPU telemetry") :])
