"""The telemetry objects a cluster gets: the community chart's values, or, for a cluster
that runs the Prometheus Operator, a ServiceMonitor and a PrometheusRule.

Either way Prometheus scrapes the operator's exporter Service
(`nvidia-dcgm-exporter-kwok` in the operator's namespace, port 9400) with the fleet's
relabelling, and loads the fleet's rules (`fleet.telemetry.rules`).
"""

from typing import Any

import yaml

from fleet.render.operator import merge_values
from fleet.stack.spec import PROJECT, FleetSpec
from fleet.telemetry.rules import ALERTING_GROUP, RECORDING_GROUP, alerting_rules, recording_rules
from fleet.telemetry.scrape import relabelling, scrape_job
from fleet.telemetry.series import (
    EXPORTER_APP_LABEL,
    EXPORTER_PORT,
    EXPORTER_PORT_NAME,
    EXPORTER_SERVICE,
    SCRAPE_JOB,
)

PART_OF = {"app.kubernetes.io/part-of": PROJECT}


def exporter_address(spec: FleetSpec) -> str:
    """The exporter Service's in-cluster `host:port`."""
    return f"{EXPORTER_SERVICE}.{spec.operator.namespace}.svc:{EXPORTER_PORT}"


def chart_values(spec: FleetSpec) -> dict[str, Any]:
    """Values of the community `prometheus` chart: the server with the exporter's scrape
    and the fleet's rules, kube-state-metrics (whose pod metrics the Pending alert reads);
    no Alertmanager, Pushgateway or node exporter (the fake nodes run no pods of their
    own). The stack's `monitoring.values` are laid over these."""
    monitoring = spec.monitoring
    interval = f"{monitoring.scrape_interval_seconds}s"
    values: dict[str, Any] = {
        "alertmanager": {"enabled": False},
        "prometheus-pushgateway": {"enabled": False},
        "prometheus-node-exporter": {"enabled": False},
        "kube-state-metrics": {"enabled": True},
        "server": {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "persistentVolume": {"enabled": False},
        },
        "extraScrapeConfigs": yaml.safe_dump(
            [scrape_job(monitoring, exporter_address(spec))], sort_keys=False
        ),
        "serverFiles": {
            "recording_rules.yml": {
                "groups": [{"name": RECORDING_GROUP, "rules": recording_rules(spec)}]
            },
            "alerting_rules.yml": {
                "groups": [{"name": ALERTING_GROUP, "rules": alerting_rules(monitoring)}]
            },
        },
    }
    return merge_values(values, monitoring.values)


def operator_objects(spec: FleetSpec) -> list[dict[str, Any]]:
    """A ServiceMonitor for the exporter Service and a PrometheusRule with the fleet's
    rules, in the operator's namespace, for a Prometheus Operator to pick up."""
    namespace = spec.operator.namespace
    metadata = {"namespace": namespace, "labels": dict(PART_OF)}
    monitor = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "gpu-fleet-dcgm-exporter", **metadata},
        "spec": {
            "selector": {"matchLabels": dict(EXPORTER_APP_LABEL)},
            "namespaceSelector": {"matchNames": [namespace]},
            "endpoints": [
                {
                    "port": EXPORTER_PORT_NAME,
                    "interval": f"{spec.monitoring.scrape_interval_seconds}s",
                    # The job the rules name, in place of the Service's name.
                    "relabelings": [{"targetLabel": "job", "replacement": SCRAPE_JOB}],
                    "metricRelabelings": relabelling(snake_case=False),
                }
            ],
        },
    }
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "gpu-fleet-rules", **metadata},
        "spec": {
            "groups": [
                {"name": RECORDING_GROUP, "rules": recording_rules(spec)},
                {"name": ALERTING_GROUP, "rules": alerting_rules(spec.monitoring)},
            ]
        },
    }
    return [monitor, rule]
