"""The fleet's Prometheus rules: derived DCGM fields, per-pool rollups, and alerts.

Rendered from the spec (its products and `monitoring` thresholds) into the rule-file
format Prometheus loads, the community chart's `serverFiles` and a PrometheusRule
all take. Recording rules run in order within a group, so each may use the ones
above it.
"""

from typing import Any

from fleet.stack.spec import FleetSpec, MonitoringSpec
from fleet.telemetry import gpu_model
from fleet.telemetry.series import (
    ALERT_EXPORTER_DOWN,
    ALERT_IDLE,
    ALERT_PENDING,
    ALERT_POOL_FULL,
    LIVE_UTIL,
    POOL_ALLOCATED,
    POOL_ALLOCATED_RATIO,
    POOL_GPUS,
    POOL_UTILIZATION,
    POWER,
    SCRAPE_JOB,
    SM_CLOCK,
    TEMPERATURE,
    TENSOR_ACTIVE,
    UTIL,
    XID_ERRORS,
)

RECORDING_GROUP = "gpu-fleet-recording"
ALERTING_GROUP = "gpu-fleet-alerts"
EXPORTER_DOWN_FOR = "1m"


def _linear(offset: float, slope: float, selector: str) -> str:
    return f"{offset:g} + {slope:g} * {LIVE_UTIL}{selector}"


def _per_product(record: str, products: list[str], figure: str) -> list[dict[str, str]]:
    """One rule per product of the fleet, and one for any other product (the default)."""
    rules = []
    for product in products:
        physics = gpu_model.physics(product)
        rules.append(
            {"record": record, "expr": _by_figure(physics, figure, f'{{modelName="{product}"}}')}
        )
    # Label values may hold '.', a regex's any-character: escaped for RE2 in a PromQL string.
    others = "|".join(product.replace(".", "\\\\.") for product in products)
    rules.append(
        {
            "record": record,
            "expr": _by_figure(gpu_model.DEFAULT, figure, f'{{modelName!~"{others}"}}'),
        }
    )
    return rules


def _by_figure(physics: gpu_model.ProductPhysics, figure: str, selector: str) -> str:
    if figure == "power":
        return _linear(physics.idle_w, (physics.tdp_w - physics.idle_w) / 100, selector)
    return _linear(physics.idle_mhz, (physics.max_mhz - physics.idle_mhz) / 100, selector)


def recording_rules(spec: FleetSpec) -> list[dict[str, str]]:
    products = sorted({pool.product for pool in spec.pools.values()})
    rules = [
        # One series per GPU: the pod's where a pod holds it, else the free one.
        {"record": LIVE_UTIL, "expr": f'{UTIL}{{pod!=""}} or on (UUID) {UTIL}'},
        {
            "record": TEMPERATURE,
            "expr": _linear(gpu_model.IDLE_TEMPERATURE_C, gpu_model.TEMPERATURE_PER_PERCENT, ""),
        },
        *_per_product(POWER, products, "power"),
        *_per_product(SM_CLOCK, products, "clock"),
        {
            "record": TENSOR_ACTIVE,
            "expr": f"{gpu_model.TENSOR_ACTIVE_AT_FULL:g} * {LIVE_UTIL} / 100",
        },
        {"record": XID_ERRORS, "expr": f"0 * {LIVE_UTIL}"},
        {"record": POOL_GPUS, "expr": f"count by (pool) ({LIVE_UTIL})"},
        {
            "record": POOL_ALLOCATED,
            "expr": f'count by (pool) ({LIVE_UTIL}{{pod!=""}}) or 0 * {POOL_GPUS}',
        },
        {"record": POOL_ALLOCATED_RATIO, "expr": f"{POOL_ALLOCATED} / {POOL_GPUS}"},
        {"record": POOL_UTILIZATION, "expr": f"avg by (pool) ({LIVE_UTIL})"},
    ]
    return rules


def _minutes(minutes: int) -> str:
    return f"{minutes}m"


def alerting_rules(monitoring: MonitoringSpec) -> list[dict[str, Any]]:
    idle, full = monitoring.idle_below_percent, monitoring.pool_full_percent
    pending_gpu_pods = (
        "(kube_pod_status_unschedulable == 1) and on (namespace, pod) "
        '(kube_pod_container_resource_requests{resource="nvidia_com_gpu"} > 0)'
    )
    return [
        {
            "alert": ALERT_IDLE,
            "expr": f'{LIVE_UTIL}{{pod!=""}} < {idle}',
            "for": _minutes(monitoring.idle_minutes),
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": (
                    f"GPU {{{{ $labels.gpu }}}} of {{{{ $labels.Hostname }}}} is held by "
                    f"{{{{ $labels.namespace }}}}/{{{{ $labels.pod }}}} and below {idle} % "
                    f"utilization for {monitoring.idle_minutes} minutes"
                )
            },
        },
        {
            "alert": ALERT_POOL_FULL,
            "expr": f"100 * {POOL_ALLOCATED_RATIO} > {full}",
            "for": _minutes(monitoring.pool_full_minutes),
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": f"pool {{{{ $labels.pool }}}} has over {full} % of its GPUs allocated"
            },
        },
        {
            "alert": ALERT_PENDING,
            "expr": f"count({pending_gpu_pods}) > 0",
            "for": _minutes(monitoring.pending_minutes),
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": (
                    "{{ $value }} GPU pods unschedulable (no node has the GPUs) for "
                    f"{monitoring.pending_minutes} minutes"
                )
            },
        },
        {
            "alert": ALERT_EXPORTER_DOWN,
            "expr": f'up{{job="{SCRAPE_JOB}"}} == 0 or absent(up{{job="{SCRAPE_JOB}"}})',
            "for": EXPORTER_DOWN_FOR,
            "labels": {"severity": "critical"},
            "annotations": {"summary": "Prometheus cannot scrape the GPU exporter"},
        },
    ]


def rule_groups(spec: FleetSpec) -> dict[str, Any]:
    """The rule file: `{"groups": [recording, alerting]}`."""
    return {
        "groups": [
            {"name": RECORDING_GROUP, "rules": recording_rules(spec)},
            {"name": ALERTING_GROUP, "rules": alerting_rules(spec.monitoring)},
        ]
    }
