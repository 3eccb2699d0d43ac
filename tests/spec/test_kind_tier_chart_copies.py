"""The tiers' copies of upstream charts: set as each project's release sets the chart it
publishes, and made again when a cached copy lacks those settings."""

from pathlib import Path

import pytest
import yaml

from lab import charts

IMAGE = {"repository": "registry.example/app", "tag": "v1", "pullPolicy": "IfNotPresent"}


def _source(tmp_path: Path) -> Path:
    chart = tmp_path / "source"
    chart.mkdir()
    (chart / "Chart.yaml").write_text(yaml.safe_dump({"name": "app", "version": "0.0.0"}))
    values = {"image": {"repository": "staging/app", "tag": "main", "pullPolicy": "Always"}}
    (chart / "values.yaml").write_text(yaml.safe_dump({**values, "replicas": 1}))
    return chart


def _values(chart: Path) -> dict[str, object]:
    values: dict[str, object] = yaml.safe_load((chart / "values.yaml").read_text())
    return values


def test_the_copy_carries_the_release_values_and_keeps_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GPU_FLEET_E2E_CACHE", str(tmp_path / "cache"))
    copy = charts._chart_copy(_source(tmp_path), "app", "1.0.0", release_values={"image": IMAGE})
    assert _values(copy) == {"image": IMAGE, "replicas": 1}
    assert yaml.safe_load((copy / "Chart.yaml").read_text())["version"] == "1.0.0"


def test_a_cached_copy_without_the_release_values_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GPU_FLEET_E2E_CACHE", str(tmp_path / "cache"))
    source = _source(tmp_path)
    stale = charts._chart_copy(source, "app", "1.0.0")
    assert _values(stale)["image"] != IMAGE
    fresh = charts._chart_copy(source, "app", "1.0.0", release_values={"image": IMAGE})
    assert fresh == stale
    assert _values(fresh)["image"] == IMAGE
    assert not fresh.with_name(f".{fresh.name}.partial").exists()
