"""The lab's telemetry processes as built (what they do is the e2e tier's to check): the
exporter with its chart's environment, Prometheus with the program's configuration and
rules in the lab's folder, on loopback."""

from pathlib import Path

import yaml

from fleet.telemetry.series import SCRAPE_JOB
from lab.cluster import Cluster
from lab.mocks import spec_from
from lab.pins import EXPORTER_TOOL, PROMETHEUS_TOOL
from lab.telemetry_host import exporter_command, prometheus_command

BINARIES = {
    EXPORTER_TOOL.binary_name: Path("/cache/status-exporter-kwok-0.2.0"),
    PROMETHEUS_TOOL.binary_name: Path("/cache/prometheus-v0.316.0"),
}


def cluster(tmp_path: Path) -> Cluster:
    return Cluster("lab", tmp_path, tmp_path / "kubeconfig", "kwok-lab")


def test_the_exporter_gets_its_deployments_environment(tmp_path: Path) -> None:
    command = exporter_command(BINARIES, cluster(tmp_path), "gpu-operator")
    assert command.executable == Path("/cache/status-exporter-kwok-0.2.0")
    assert command.env == {
        "KUBECONFIG": str(tmp_path / "kubeconfig"),
        "TOPOLOGY_CM_NAME": "topology",
        "TOPOLOGY_CM_NAMESPACE": "gpu-operator",
    }


def test_prometheus_scrapes_the_host_exporter_with_the_fleets_rules(tmp_path: Path) -> None:
    spec = spec_from(
        {
            "cluster": {"mode": "kind"},
            "pools": {"a100": {"nodes": 1, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"}},
            "operator": {"version": "0.2.0"},
            "monitoring": {"enabled": True, "scrapeIntervalSeconds": 5},
        }
    )
    host = prometheus_command(BINARIES, cluster(tmp_path), spec)
    assert host.url.startswith("http://127.0.0.1:")
    argv = host.command.argv
    assert f"--web.listen-address={host.url.removeprefix('http://')}" in argv
    assert f"--config.file={host.config}" in argv
    assert f"--storage.tsdb.path={tmp_path / 'prometheus' / 'data'}" in argv
    config = yaml.safe_load(host.config.read_text())
    (job,) = config["scrape_configs"]
    assert (job["job_name"], job["scrape_interval"]) == (SCRAPE_JOB, "5s")
    assert job["static_configs"] == [{"targets": ["127.0.0.1:9400"]}]
    assert (host.config.parent / config["rule_files"][0]) == host.rules
    groups = yaml.safe_load(host.rules.read_text())["groups"]
    assert [group["name"] for group in groups] == ["gpu-fleet-recording", "gpu-fleet-alerts"]
