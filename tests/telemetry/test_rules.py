"""The rules the program renders: derived DCGM fields per product, pool rollups, alerts with the
stack's thresholds; the scrape job's relabelling. (`promtool test rules` runs them in the e2e
tier: tests/e2e/test_telemetry.py.)"""

from typing import Any

from fleet.telemetry import gpu_model
from fleet.telemetry.rules import rule_groups
from fleet.telemetry.scrape import server_config
from fleet.telemetry.series import LIVE_UTIL, POWER, SCRAPE_JOB, SM_CLOCK, TEMPERATURE
from lab.mocks import spec_from

POOLS = {
    "a100": {"nodes": 2, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"},
    "l40s": {"nodes": 1, "gpusPerNode": 4, "product": "NVIDIA-L40S"},
}


def spec(monitoring: dict[str, Any] | None = None) -> Any:
    return spec_from(
        {
            "cluster": {"mode": "kind"},
            "pools": POOLS,
            "operator": {"version": "0.2.0"},
            "monitoring": {"enabled": True, **(monitoring or {})},
        }
    )


def test_recording_rules_start_from_the_live_series_and_cover_each_product() -> None:
    recording, _ = rule_groups(spec())["groups"]
    rules = recording["rules"]
    assert rules[0]["record"] == LIVE_UTIL
    power = [rule["expr"] for rule in rules if rule["record"] == POWER]
    assert power == [
        f'60 + 3.4 * {LIVE_UTIL}{{modelName="NVIDIA-A100-SXM4-80GB"}}',
        f'35 + 3.15 * {LIVE_UTIL}{{modelName="NVIDIA-L40S"}}',
        f'50 + 2.5 * {LIVE_UTIL}{{modelName!~"NVIDIA-A100-SXM4-80GB|NVIDIA-L40S"}}',
    ]
    assert len([rule for rule in rules if rule["record"] == SM_CLOCK]) == 3
    (temperature,) = [rule["expr"] for rule in rules if rule["record"] == TEMPERATURE]
    assert temperature == f"30 + 0.5 * {LIVE_UTIL}"
    # Every rule reads only what an earlier rule or the exporter gives.
    recorded = [rule["record"] for rule in rules]
    for index, rule in enumerate(rules):
        for name in recorded:
            if name in rule["expr"] and name != rule["record"]:
                assert recorded.index(name) < index, (rule, name)


def test_an_unknown_product_gets_the_default_physics() -> None:
    assert gpu_model.physics("NVIDIA-A100-SXM4-80GB").tdp_w == 400
    assert gpu_model.physics("NVIDIA-Z9000") == gpu_model.DEFAULT


def test_alerts_take_the_stacks_thresholds() -> None:
    _, alerting = rule_groups(
        spec({"idleMinutes": 3, "idleBelowPercent": 5, "poolFullPercent": 75, "pendingMinutes": 0})
    )["groups"]
    by_name = {rule["alert"]: rule for rule in alerting["rules"]}
    assert by_name["GpuAllocatedIdle"]["expr"] == f'{LIVE_UTIL}{{pod!=""}} < 5'
    assert by_name["GpuAllocatedIdle"]["for"] == "3m"
    assert by_name["GpuPoolNearlyFull"]["expr"].endswith("> 75")
    assert by_name["GpuPodsPendingOnCapacity"]["for"] == "0m"
    assert f'up{{job="{SCRAPE_JOB}"}} == 0' in by_name["GpuExporterDown"]["expr"]


def test_the_host_servers_configuration_scrapes_the_exporter_every_interval() -> None:
    config = server_config(spec({"scrapeIntervalSeconds": 5}).monitoring, "127.0.0.1:9400", "r.yml")
    assert config["global"] == {"scrape_interval": "5s", "evaluation_interval": "5s"}
    (job,) = config["scrape_configs"]
    assert job["static_configs"] == [{"targets": ["127.0.0.1:9400"]}]
    pool = job["metric_relabel_configs"][1]
    assert (pool["regex"], pool["target_label"], pool["replacement"]) == (
        "kwok-gpu-(.+)-[0-9]+",
        "pool",
        "$1",
    )
