"""The Helm release of a stack's scheduler: chart, version, namespace and values."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleet.render.operator import merge_values
from fleet.stack import versions
from fleet.stack.spec import FleetSpec

# Release names as the upstream install guides use them.
RELEASE_NAMES = {"kueue": "kueue", "kai": "kai-scheduler"}


# Where a chart keeps the CRDs Helm installs before its templates and never deletes.
CHART_CRDS_DIR = "crds"


@dataclass(frozen=True)
class SchedulerRelease:
    """Everything the component gives `helm install` for the stack's scheduler."""

    scheduler: str
    chart: str
    version: str
    namespace: str
    name: str
    values: dict[str, Any]
    wait: bool
    hooks: bool

    @property
    def namespaces(self) -> list[str]:
        """The namespaces the program creates for the release: its own, and KAI's
        reservation namespace (as the merged values name it)."""
        if self.scheduler != "kai":
            return [self.namespace]
        reservation = self.values.get("global", {}).get("resourceReservation", {})
        return [self.namespace, reservation.get("namespace", KAI_RESERVATION_NAMESPACE)]

    @property
    def crd_files(self) -> list[str]:
        """The CRD files of a local chart that Helm would leave behind on uninstall.

        KAI's chart ships its CRDs in `crds/`, which Helm installs but never deletes
        (Kueue's are templates, released and deleted with the release). For a local
        chart the program applies those files itself and has Helm skip them, so that
        `pulumi destroy` deletes them; an OCI chart's CRDs stay with Helm (KAI's
        post-delete hook removes them where hooks run).
        """
        folder = Path(self.chart) / CHART_CRDS_DIR
        if self.chart.startswith("oci://") or not folder.is_dir():
            return []
        return sorted(str(path) for path in folder.glob("*.yaml"))


def chart_version(scheduler: str, version: str) -> str:
    """Kueue's chart drops the release tag's `v` (0.17.0); KAI's keeps it (v0.17.0)."""
    return version.removeprefix("v") if scheduler == "kueue" else version


# KAI's chart default for the namespace of its GPU-sharing reservation pods.
KAI_RESERVATION_NAMESPACE = "kai-resource-reservation"


def _default_values(scheduler: str, hooks: bool) -> dict[str, Any]:
    """What the program needs of each chart; the stack's `values` go over these.

    KAI's chart creates a default parent and child queue and the namespace of its
    reservation pods, and keeps all three after `helm uninstall` (resource policy
    `keep`). The stack's teams are its queues, so the default ones are not created;
    the namespace is created by the program instead (`SchedulerRelease.namespaces`),
    so that destroy deletes it. With `hooks: false` its post-delete cleanup Job is
    not rendered either: the provider's uninstall would run it and wait for it.
    """
    if scheduler == "kai":
        values: dict[str, Any] = {
            "defaultQueue": {"createDefaultQueue": False},
            "global": {"resourceReservation": {"createNamespace": False}},
        }
        if not hooks:
            # `helm uninstall` runs the post-delete hook whatever install was told.
            values["postCleanup"] = {"enabled": False}
            values["kaiConfig"] = {"render": True}
            values["kaiConfigDeployer"] = {"enabled": False}
        return values
    return {}


def scheduler_release(spec: FleetSpec) -> SchedulerRelease:
    """The release of `spec.scheduler` (kueue or kai), defaults filled in."""
    scheduler = spec.scheduler
    if scheduler == "default":
        raise ValueError("the default scheduler is part of Kubernetes; there is no release")
    chosen = spec.scheduler_release
    pinned = versions.KUEUE_VERSION if scheduler == "kueue" else versions.KAI_VERSION
    oci = versions.KUEUE_OCI_CHART if scheduler == "kueue" else versions.KAI_OCI_CHART
    version = chosen.version or pinned
    return SchedulerRelease(
        scheduler=scheduler,
        chart=chosen.chart or oci,
        version=chart_version(scheduler, version),
        namespace=spec.scheduler_namespace,
        name=chosen.release_name or RELEASE_NAMES[scheduler],
        values=merge_values(_default_values(scheduler, chosen.hooks), chosen.values),
        wait=chosen.wait,
        hooks=chosen.hooks,
    )
