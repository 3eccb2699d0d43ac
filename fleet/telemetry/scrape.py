"""How Prometheus scrapes the operator's KWOK exporter, and the server's own configuration.

One scrape job (`gpu-fleet-dcgm-exporter`) whose metric relabelling gives every GPU
series the labels the dashboard and the rules group by: `instance` = the KWOK node's
name (the exporter's `Hostname`), as NVIDIA's dashboard picks instances, and `pool`,
read off the node's name (`kwok-gpu-<pool>-<index>`: the index is the last `-`
part, so the pool is everything between the prefix and it).
"""

from typing import Any

from fleet.stack.spec import NODE_NAME_PREFIX, MonitoringSpec
from fleet.telemetry.series import SCRAPE_JOB

RULE_FILE = "gpu-fleet-rules.yml"


def relabelling(snake_case: bool = True) -> list[dict[str, Any]]:
    """The metric relabel configs; camelCase keys for a ServiceMonitor."""

    def key(name: str) -> str:
        if snake_case:
            return name
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    return [
        # Only series that have a Hostname (the exporter's own go_* and process_* do not).
        {key("source_labels"): ["Hostname"], "regex": "(.+)", key("target_label"): "instance"},
        {
            key("source_labels"): ["Hostname"],
            "regex": f"{NODE_NAME_PREFIX}(.+)-[0-9]+",
            key("target_label"): "pool",
            "replacement": "$1",
        },
    ]


def scrape_job(monitoring: MonitoringSpec, target: str) -> dict[str, Any]:
    """The exporter's scrape job, `target` its `host:port`."""
    return {
        "job_name": SCRAPE_JOB,
        "scrape_interval": f"{monitoring.scrape_interval_seconds}s",
        "static_configs": [{"targets": [target]}],
        "metric_relabel_configs": relabelling(),
    }


def server_config(monitoring: MonitoringSpec, target: str, rule_file: str) -> dict[str, Any]:
    """A whole prometheus.yml for a server that scrapes only the exporter (the lab's)."""
    interval = f"{monitoring.scrape_interval_seconds}s"
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [rule_file],
        "scrape_configs": [scrape_job(monitoring, target)],
    }
