"""The monitoring section: a Helm release of the community chart after the operator, or a
ServiceMonitor and PrometheusRule; nothing without the section."""

from typing import Any

import yaml

from fleet.stack import versions
from fleet.telemetry.series import SCRAPE_JOB
from lab.mocks import Deploy, Registration, spec_from

RELEASE = "kubernetes:helm.sh/v3:Release"
POOLS = {"a100": {"nodes": 2, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"}}


def config(monitoring: dict[str, Any]) -> dict[str, Any]:
    return {
        "cluster": {"mode": "kind", "name": "lab"},
        "pools": POOLS,
        "operator": {"version": "0.2.0"},
        "monitoring": {"enabled": True, **monitoring},
    }


def test_without_the_section_nothing_is_installed(deploy: Deploy) -> None:
    deployment = deploy(spec_from({**config({}), "monitoring": {}}))
    assert not deployment.of_type("gpu-fleet:index:Monitoring")
    assert [r.name for r in deployment.of_type(RELEASE)] == ["gpu-fleet-operator"]


def test_chart_mode_is_the_pinned_release_scraping_the_exporter(deploy: Deploy) -> None:
    deployment = deploy(spec_from(config({})))
    (release,) = [r for r in deployment.of_type(RELEASE) if r.name == "gpu-fleet-monitoring"]
    inputs = release.inputs
    assert (inputs["chart"], inputs["version"], inputs["namespace"]) == (
        "prometheus",
        versions.PROMETHEUS_CHART_VERSION,
        "monitoring",
    )
    assert inputs["repositoryOpts"]["repo"] == versions.PROMETHEUS_HELM_REPOSITORY
    (job,) = yaml.safe_load(inputs["values"]["extraScrapeConfigs"])
    assert job["job_name"] == SCRAPE_JOB
    assert job["static_configs"] == [
        {"targets": ["nvidia-dcgm-exporter-kwok.gpu-operator.svc:9400"]}
    ]
    rules = inputs["values"]["serverFiles"]["alerting_rules.yml"]["groups"][0]["rules"]
    assert {rule["alert"] for rule in rules} >= {"GpuAllocatedIdle", "GpuPoolNearlyFull"}
    operator = next(r for r in deployment.of_type(RELEASE) if r.name == "gpu-fleet-operator")
    assert operator.urn in _depends_on(deployment.registrations, release)


def _depends_on(registrations: list[Registration], release: Registration) -> set[str]:
    component = next(r for r in registrations if r.type == "gpu-fleet:index:Monitoring")
    return set(component.dependencies) | set(release.dependencies)


def test_service_monitor_mode_creates_the_two_objects_and_no_release(deploy: Deploy) -> None:
    deployment = deploy(spec_from(config({"mode": "serviceMonitor"})))
    assert [r.name for r in deployment.of_type(RELEASE)] == ["gpu-fleet-operator"]
    monitor = deployment.of_type("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
    rule = deployment.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    assert [r.name for r in monitor] == ["gpu-operator/gpu-fleet-dcgm-exporter"]
    assert [r.name for r in rule] == ["gpu-operator/gpu-fleet-rules"]
    endpoint = monitor[0].inputs["spec"]["endpoints"][0]
    assert endpoint["port"] == "gpu-metrics"
    assert endpoint["relabelings"] == [{"targetLabel": "job", "replacement": SCRAPE_JOB}]
    assert endpoint["metricRelabelings"][0] == {
        "sourceLabels": ["Hostname"],
        "regex": "(.+)",
        "targetLabel": "instance",
    }


def test_a_local_chart_is_installed_without_a_repository(deploy: Deploy) -> None:
    deployment = deploy(spec_from(config({"chart": "/charts/prometheus-29.27.0"})))
    (release,) = [r for r in deployment.of_type(RELEASE) if r.name == "gpu-fleet-monitoring"]
    assert release.inputs["chart"] == "/charts/prometheus-29.27.0"
    assert "repositoryOpts" not in release.inputs
