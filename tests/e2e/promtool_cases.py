"""`promtool test rules` cases for the fleet's rules: series in, alerts and recorded values out.

Each case is the documented promtool unit-test file format; `rules_test(rule_file, ...)` gives
the document for a rendered rule file. The thresholds are the stack's (`spec_for_rules`):
idle below 10 % for 15 minutes, a pool over 90 % for 5, GPU pods unschedulable for 5.
"""

from typing import Any

from fleet.stack.spec import FleetSpec
from fleet.telemetry.series import SCRAPE_JOB
from lab.mocks import spec_from

A100 = "NVIDIA-A100-SXM4-80GB"


def spec_for_rules() -> FleetSpec:
    return spec_from(
        {
            "cluster": {"mode": "kind"},
            "pools": {
                "a100": {"nodes": 1, "gpusPerNode": 2, "product": A100},
                "l40s": {"nodes": 1, "gpusPerNode": 2, "product": "NVIDIA-L40S"},
            },
            "operator": {"version": "0.2.0"},
            "monitoring": {"enabled": True},
        }
    )


def _gpu(node: str, pool: str, gpu: int, product: str, pod: str = "") -> str:
    labels = {
        "__name__": "DCGM_FI_DEV_GPU_UTIL",
        "job": SCRAPE_JOB,
        "instance": node,
        "Hostname": node,
        "pool": pool,
        "gpu": str(gpu),
        "UUID": f"GPU-{node}-{gpu}",
        "modelName": product,
        "namespace": "gpu-demo" if pod else "",
        "pod": pod,
        "container": "cuda" if pod else "",
    }
    inner = ", ".join(f'{key}="{value}"' for key, value in labels.items() if key != "__name__")
    return f"{labels['__name__']}{{{inner}}}"


A100_NODE, L40S_NODE = "kwok-gpu-a100-0", "kwok-gpu-l40s-0"


def rules_test(rule_file: str, idle_expected: bool = True) -> dict[str, Any]:
    """Both a100 GPUs held (one by an idle notebook, with its stale free series beside it),
    one of two l40s GPUs held by a busy job; an exporter that goes down at minute 10; two
    GPU pods unschedulable from the start. `idle_expected=False` asserts the opposite of
    the idle alert: a case promtool must fail."""
    series = [
        # The notebook's GPU: its frozen free series, and its pod's, at 3 %.
        {"series": _gpu(A100_NODE, "a100", 0, A100), "values": "0x30"},
        {"series": _gpu(A100_NODE, "a100", 0, A100, "notebook"), "values": "3x30"},
        {"series": _gpu(A100_NODE, "a100", 1, A100, "train"), "values": "50x30"},
        {"series": _gpu(L40S_NODE, "l40s", 0, "NVIDIA-L40S", "train-2"), "values": "90x30"},
        {"series": _gpu(L40S_NODE, "l40s", 1, "NVIDIA-L40S"), "values": "0x30"},
        {"series": f'up{{job="{SCRAPE_JOB}", instance="127.0.0.1:9400"}}', "values": "1x9 0x20"},
        *[
            {
                "series": f'kube_pod_status_unschedulable{{namespace="gpu-demo", pod="{pod}"}}',
                "values": "1x30",
            }
            for pod in ("queue-1", "queue-2", "cpu-only")
        ],
        *[
            {
                "series": "kube_pod_container_resource_requests"
                f'{{namespace="gpu-demo", pod="{pod}", resource="nvidia_com_gpu"}}',
                "values": "1x30",
            }
            for pod in ("queue-1", "queue-2")
        ],
    ]
    idle_alert = {
        "exp_labels": {
            "severity": "warning",
            "job": SCRAPE_JOB,
            "instance": A100_NODE,
            "Hostname": A100_NODE,
            "pool": "a100",
            "gpu": "0",
            "UUID": f"GPU-{A100_NODE}-0",
            "modelName": A100,
            "namespace": "gpu-demo",
            "pod": "notebook",
            "container": "cuda",
        },
        "exp_annotations": {
            "summary": f"GPU 0 of {A100_NODE} is held by gpu-demo/notebook and below 10 % "
            "utilization for 15 minutes"
        },
    }
    return {
        "rule_files": [rule_file],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    # Not yet 15 minutes idle, then idle long enough.
                    {"eval_time": "10m", "alertname": "GpuAllocatedIdle", "exp_alerts": []},
                    {
                        "eval_time": "16m",
                        "alertname": "GpuAllocatedIdle",
                        "exp_alerts": [idle_alert] if idle_expected else [],
                    },
                    # a100 is 100 % allocated, l40s 50 %: only a100, after 5 minutes.
                    {
                        "eval_time": "6m",
                        "alertname": "GpuPoolNearlyFull",
                        "exp_alerts": [
                            {
                                "exp_labels": {"severity": "warning", "pool": "a100"},
                                "exp_annotations": {
                                    "summary": "pool a100 has over 90 % of its GPUs allocated"
                                },
                            }
                        ],
                    },
                    # Two GPU pods (not the CPU-only one) unschedulable for 5 minutes.
                    {
                        "eval_time": "6m",
                        "alertname": "GpuPodsPendingOnCapacity",
                        "exp_alerts": [
                            {
                                "exp_labels": {"severity": "warning"},
                                "exp_annotations": {
                                    "summary": "2 GPU pods unschedulable (no node has the GPUs) "
                                    "for 5 minutes"
                                },
                            }
                        ],
                    },
                    {"eval_time": "9m", "alertname": "GpuExporterDown", "exp_alerts": []},
                    {
                        "eval_time": "12m",
                        "alertname": "GpuExporterDown",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    "severity": "critical",
                                    "job": SCRAPE_JOB,
                                    "instance": "127.0.0.1:9400",
                                },
                                "exp_annotations": {
                                    "summary": "Prometheus cannot scrape the GPU exporter"
                                },
                            }
                        ],
                    },
                ],
                "promql_expr_test": [
                    # One live series per GPU: the notebook's, not its stale free one.
                    {
                        "expr": 'count(gpu_fleet:gpu_util:live{UUID="GPU-kwok-gpu-a100-0-0"})',
                        "eval_time": "1m",
                        "exp_samples": [{"labels": "{}", "value": 1}],
                    },
                    # The model: an A100 at 50 % draws 60 + 3.4 * 50 = 230 W, clocks
                    # 210 + 12 * 50 = 810 MHz, runs at 30 + 0.5 * 50 = 55 C.
                    {
                        "expr": 'DCGM_FI_DEV_POWER_USAGE{pod="train"}',
                        "eval_time": "1m",
                        "exp_samples": [
                            {"labels": _recorded("DCGM_FI_DEV_POWER_USAGE"), "value": 230}
                        ],
                    },
                    {
                        "expr": 'DCGM_FI_DEV_SM_CLOCK{pod="train"}',
                        "eval_time": "1m",
                        "exp_samples": [
                            {"labels": _recorded("DCGM_FI_DEV_SM_CLOCK"), "value": 810}
                        ],
                    },
                    {
                        "expr": 'DCGM_FI_DEV_GPU_TEMP{pod="train"}',
                        "eval_time": "1m",
                        "exp_samples": [{"labels": _recorded("DCGM_FI_DEV_GPU_TEMP"), "value": 55}],
                    },
                    {
                        "expr": "sum(DCGM_FI_DEV_XID_ERRORS)",
                        "eval_time": "1m",
                        "exp_samples": [{"labels": "{}", "value": 0}],
                    },
                    {
                        "expr": "gpu_fleet:pool_allocated:ratio",
                        "eval_time": "1m",
                        "exp_samples": [
                            {"labels": 'gpu_fleet:pool_allocated:ratio{pool="a100"}', "value": 1},
                            {"labels": 'gpu_fleet:pool_allocated:ratio{pool="l40s"}', "value": 0.5},
                        ],
                    },
                ],
            }
        ],
    }


def _recorded(name: str) -> str:
    return (
        f'{name}{{job="{SCRAPE_JOB}", instance="{A100_NODE}", Hostname="{A100_NODE}", '
        f'pool="a100", gpu="1", UUID="GPU-{A100_NODE}-1", modelName="{A100}", '
        'namespace="gpu-demo", pod="train", container="cuda"}'
    )
