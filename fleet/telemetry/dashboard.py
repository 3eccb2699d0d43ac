"""The fleet's GPU dashboard: a Grafana dashboard of this project's making, a variant of the
layout of NVIDIA's DCGM exporter dashboard (Grafana 12239).

Like NVIDIA's it picks instances (here the KWOK nodes' names) and GPUs from
`DCGM_FI_DEV_GPU_TEMP`, and charts temperature, power, SM clock, utilization,
framebuffer and tensor activity per GPU; it adds XID errors. Where it differs:
utilization and framebuffer read the live series (`gpu_fleet:gpu_util:live`), not the
exporter's raw ones, which keep a GPU's stale free series beside its pod's; every
panel is per GPU (no fleet-wide gauges), so each query has one series per GPU.
"""

import re
from typing import Any

from fleet.telemetry.series import (
    FB_USED,
    LIVE_UTIL,
    POWER,
    SM_CLOCK,
    TEMPERATURE,
    TENSOR_ACTIVE,
    XID_ERRORS,
)

UID = "gpu-fleet-dcgm"
TITLE = "gpu-fleet: GPUs (DCGM)"
PICK = 'instance=~"$instance", gpu=~"$gpu"'
# (title, query, unit)
PANELS: tuple[tuple[str, str, str], ...] = (
    ("GPU temperature", f"{TEMPERATURE}{{{PICK}}}", "celsius"),
    ("GPU power usage", f"{POWER}{{{PICK}}}", "watt"),
    ("GPU SM clocks", f"{SM_CLOCK}{{{PICK}}} * 1000000", "hertz"),
    ("GPU utilization", f"{LIVE_UTIL}{{{PICK}}}", "percent"),
    (
        "GPU framebuffer memory used",
        f"{FB_USED}{{{PICK}}} and on (UUID, pod) {LIVE_UTIL}",
        "decmbytes",
    ),
    ("Tensor core utilization", f"{TENSOR_ACTIVE}{{{PICK}}}", "percentunit"),
    ("XID errors", f"{XID_ERRORS}{{{PICK}}}", "short"),
)
VARIABLES: tuple[tuple[str, str], ...] = (
    ("instance", f"label_values({TEMPERATURE}, instance)"),
    ("gpu", f'label_values({TEMPERATURE}{{instance=~"$instance"}}, gpu)'),
)
LEGEND = "{{instance}} gpu {{gpu}} {{pod}}"


def _panel(index: int, title: str, query: str, unit: str) -> dict[str, Any]:
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{"refId": "A", "expr": query, "legendFormat": LEGEND}],
    }


def _variable(name: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "query",
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "query": query,
        "includeAll": True,
        "allValue": ".*",
        "multi": True,
        "refresh": 2,
    }


def dashboard() -> dict[str, Any]:
    datasource = {"name": "datasource", "type": "datasource", "query": "prometheus"}
    return {
        "uid": UID,
        "title": TITLE,
        "schemaVersion": 39,
        "refresh": "10s",
        "time": {"from": "now-15m", "to": "now"},
        "templating": {
            "list": [datasource, *(_variable(name, query) for name, query in VARIABLES)]
        },
        "panels": [_panel(i, *panel) for i, panel in enumerate(PANELS)],
    }


_LABEL_VALUES = re.compile(r"^label_values\((.+), (\w+)\)$")


def panel_queries(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL) of every panel target, variables set to "all" (`.*`)."""
    return [
        (panel["title"], str(target["expr"]).replace("$instance", ".*").replace("$gpu", ".*"))
        for panel in document["panels"]
        for target in panel["targets"]
    ]


def variable_queries(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(variable, PromQL giving its values as a label) of every query variable: Grafana's
    `label_values(selector, label)` as `group by (label) (selector)`."""
    found = []
    for variable in document["templating"]["list"]:
        match = _LABEL_VALUES.match(str(variable.get("query", "")))
        if variable.get("type") == "query" and match:
            selector, label = match.groups()
            selector = selector.replace("$instance", ".*")
            found.append((variable["name"], f"group by ({label}) ({selector})"))
    return found
