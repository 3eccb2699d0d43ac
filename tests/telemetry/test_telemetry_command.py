"""`fleet telemetry STACK --print ...`: what the program renders, printed for a person or a
Prometheus of their own; a bad stack file is refused as every command refuses it."""

import json
from pathlib import Path

import pytest
import yaml

from fleet.cli import EXIT_BAD_INPUT, main
from fleet.telemetry.dashboard import dashboard
from tests.paths import ROOT

LESSON1 = str(ROOT / "stacks" / "Pulumi.lesson1.yaml")


def printed(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["telemetry", LESSON1, *args]) == 0
    return capsys.readouterr().out


def test_rules_scrape_and_dashboard_are_printed(capsys: pytest.CaptureFixture[str]) -> None:
    rules = yaml.safe_load(printed(capsys, "--print", "rules"))
    assert [group["name"] for group in rules["groups"]] == [
        "gpu-fleet-recording",
        "gpu-fleet-alerts",
    ]
    scrape = yaml.safe_load(printed(capsys, "--print", "scrape", "--target", "127.0.0.2:9400"))
    assert scrape["scrape_configs"][0]["static_configs"] == [{"targets": ["127.0.0.2:9400"]}]
    assert json.loads(printed(capsys, "--print", "dashboard")) == dashboard()


def test_cluster_objects_are_printed(capsys: pytest.CaptureFixture[str]) -> None:
    values = yaml.safe_load(printed(capsys, "--print", "chart-values"))
    assert values["alertmanager"] == {"enabled": False}
    kinds = [d["kind"] for d in yaml.safe_load_all(printed(capsys, "--print", "service-monitor"))]
    assert kinds == ["ServiceMonitor", "PrometheusRule"]


def test_a_bad_stack_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  gpu-fleet:pools: []\n")
    assert main(["telemetry", str(bad), "--print", "rules"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}: invalid fleet spec")
    assert "Traceback" not in err
