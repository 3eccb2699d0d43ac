"""The charts the lab installs, kept in `<cache>/charts` once made, so that a warm cache
needs no source tree: fake-gpu-operator's (published, else copied from its tree), Kueue's
(from its module), KAI-Scheduler's (from its tree) and the community `prometheus` chart
with its dependencies (from its tree), each as its release publishes it.
"""

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from fleet.render.operator import merge_values
from fleet.stack import versions
from lab import public
from lab.pins import KAI_CHART_DIR, KAI_UPSTREAM, KUEUE_CHART_DIR, OPERATOR_CHART_DIR, Upstream
from lab.tools import cache_dir, copy_writable, module_dir, upstream_root, upstream_source


def operator_chart(version: str) -> Path:
    """The fake-gpu-operator chart `version` in the cache: kept there once made; else the
    published chart (its classic Helm repository, up to 0.0.59) where not offline; else
    a copy from its source tree with Chart.yaml set to `version`.

    The chart in the source tree carries a placeholder version that its release
    process replaces; the copy in the cache carries the pinned one, so that the
    Helm release reports the version the stack asks for. From 0.1 the chart also
    lists NVIDIA's gpu-operator and DRA driver charts as dependencies, both off unless
    enabled by values; Helm refuses a chart whose dependencies are not vendored, and
    their repository is not reachable here, so the copy drops those two entries.
    """
    name = versions.OPERATOR_CHART
    target = cache_dir() / "charts" / f"{name}-{version}"
    if target.is_dir():
        return target
    repository = None if public.offline() else public.chart_repository(version)
    if repository is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            public.published_chart(repository, name, version, target)
            print(f"  downloaded chart {name} {version} from {repository} -> {target}")
            return target
        except public.DownloadFailed as error:
            print(f"  could not download chart {name} {version}: {error}", flush=True)
    upstream = Upstream(
        f"fake-gpu-operator-v{version}", f"github.com/run-ai/fake-gpu-operator at tag v{version}"
    )
    chart = _chart_copy(
        lambda: upstream_source(upstream) / OPERATOR_CHART_DIR,
        name,
        version,
        drop_dependencies=True,
    )
    print(f"  copied chart {name} {version} from {upstream_root() / upstream.folder} -> {chart}")
    return chart


def _chart_copy(
    source: Path | Callable[[], Path],
    name: str,
    version: str,
    drop_dependencies: bool = False,
    release_values: dict[str, Any] | None = None,
) -> Path:
    """A copy of the chart at `source` (a path, or what a callable gives, called only
    when the copy is made) in the cache, its Chart.yaml set to `version` (and without
    the dependencies it lists, with `drop_dependencies`), with `release_values` merged
    into its values.yaml. A cached copy whose values lack them is made again."""
    target = cache_dir() / "charts" / f"{name}-{version}"
    if target.is_dir() and _holds_values(target, release_values or {}):
        return target
    scratch = target.with_name(f".{target.name}.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    copy_writable(source if isinstance(source, Path) else source(), scratch)
    chart_yaml = scratch / "Chart.yaml"
    chart = yaml.safe_load(chart_yaml.read_text())
    chart.update(version=version, appVersion=version)
    if drop_dependencies:
        chart.pop("dependencies", None)
    chart_yaml.write_text(yaml.safe_dump(chart, sort_keys=False))
    if release_values:
        values_yaml = scratch / "values.yaml"
        values = merge_values(yaml.safe_load(values_yaml.read_text()), release_values)
        values_yaml.write_text(yaml.safe_dump(values, sort_keys=False))
    shutil.rmtree(target, ignore_errors=True)
    scratch.replace(target)
    return target


def _holds_values(chart: Path, wanted: dict[str, Any]) -> bool:
    values: dict[str, Any] = yaml.safe_load((chart / "values.yaml").read_text())
    return merge_values(values, wanted) == values


# What Kueue's release packaging (hack/helm-chart-package.sh) sets in the chart it
# publishes: the manager's image at the release's registry and tag, pulled only when
# missing. The module's copy names a staging image pulled `Always`.
KUEUE_RELEASE_IMAGE = {
    "repository": "registry.k8s.io/kueue/kueue",
    "tag": versions.KUEUE_VERSION,
    "pullPolicy": "IfNotPresent",
}


def kueue_chart() -> Path:
    """Kueue's chart from its module (the proxy serves it with the module), as released:
    chart version 0.17.0 for tag v0.17.0, the manager's image as the release sets it."""
    module = module_dir(
        f"sigs.k8s.io/kueue@{versions.KUEUE_VERSION}", cache_dir(), dict(os.environ)
    )
    return _chart_copy(
        module / KUEUE_CHART_DIR,
        "kueue",
        versions.KUEUE_VERSION.removeprefix("v"),
        release_values={"controllerManager": {"manager": {"image": KUEUE_RELEASE_IMAGE}}},
    )


# What KAI's release workflow sets in the chart it publishes: the images' registry in
# place of the source tree's placeholder (`registry/local/kai-scheduler`); the tag is
# the chart's appVersion, the release tag.
KAI_RELEASE_REGISTRY = "ghcr.io/kai-scheduler/kai-scheduler"


PROMETHEUS_CHARTS = Upstream(
    f"prometheus-community-charts-prometheus-{versions.PROMETHEUS_CHART_VERSION}",
    "github.com/prometheus-community/helm-charts at tag "
    f"prometheus-{versions.PROMETHEUS_CHART_VERSION}",
)
PROMETHEUS_DEPENDENCIES = (
    "alertmanager",
    "kube-state-metrics",
    "prometheus-node-exporter",
    "prometheus-pushgateway",
)


def prometheus_chart() -> Path:
    """The community `prometheus` chart assembled offline: its tree at the release tag with
    the four charts it depends on (from the same tag) in its `charts/` folder, where
    `helm dependency build` would put them (their repository is not reachable here)."""
    source = upstream_source(PROMETHEUS_CHARTS) / "charts"
    target = cache_dir() / "charts" / f"prometheus-{versions.PROMETHEUS_CHART_VERSION}"
    if (target / "charts" / PROMETHEUS_DEPENDENCIES[-1] / "Chart.yaml").is_file():
        return target
    scratch = target.with_name(f".{target.name}.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    copy_writable(source / "prometheus", scratch)
    for dependency in PROMETHEUS_DEPENDENCIES:
        copy_writable(source / dependency, scratch / "charts" / dependency)
    shutil.rmtree(target, ignore_errors=True)
    scratch.replace(target)
    return target


def kai_chart() -> Path:
    """KAI-Scheduler's chart from its source tree, as released: the tree carries a
    placeholder version (0.0.0) that its release process replaces with the tag, and a
    placeholder registry replaced with the release's."""
    return _chart_copy(
        lambda: upstream_source(KAI_UPSTREAM) / KAI_CHART_DIR,
        "kai-scheduler",
        versions.KAI_VERSION,
        release_values={"global": {"registry": KAI_RELEASE_REGISTRY}},
    )
