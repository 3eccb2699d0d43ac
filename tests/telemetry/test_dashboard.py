"""The shipped dashboard: the file is what the program renders; every panel queries a series
the exporter or the fleet's rules produce, per GPU; the pickers read node names and GPUs.
(Each query is evaluated against a live Prometheus in tests/e2e/test_telemetry.py.)"""

import json

from fleet.telemetry.dashboard import dashboard, panel_queries, variable_queries
from fleet.telemetry.rules import rule_groups
from fleet.telemetry.series import FB_USED
from lab.mocks import stack
from tests.paths import ROOT

SHIPPED = ROOT / "examples" / "telemetry" / "gpu-fleet-dcgm-dashboard.json"


def test_the_shipped_file_is_the_rendered_dashboard() -> None:
    assert json.loads(SHIPPED.read_text()) == dashboard()


def test_every_panel_reads_a_recorded_series_or_the_exporters() -> None:
    recorded = {rule["record"] for rule in rule_groups(stack("lesson1"))["groups"][0]["rules"]}
    queries = panel_queries(dashboard())
    assert len(queries) == 7
    for title, promql in queries:
        metric = promql.split("{", 1)[0]
        assert metric in recorded | {FB_USED}, title
        assert "$" not in promql, title
        assert not promql.startswith(("sum", "avg", "count")), f"{title}: not per GPU"


def test_the_pickers_read_instances_and_gpus_from_the_temperature() -> None:
    assert variable_queries(dashboard()) == [
        ("instance", "group by (instance) (DCGM_FI_DEV_GPU_TEMP)"),
        ("gpu", 'group by (gpu) (DCGM_FI_DEV_GPU_TEMP{instance=~".*"})'),
    ]
