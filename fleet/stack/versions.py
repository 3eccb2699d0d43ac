"""Pinned versions and sources of everything the fleet installs.

This is the one place where pins live. Every pin can be overridden per stack
(see `fleet.stack.spec`); the defaults here are the combination that the published
lesson-1 validation run used (kind v0.32.0, Kubernetes v1.36.1, KWOK v0.7.0,
fake-gpu-operator 0.0.59).
"""

from typing import Final

KUBERNETES_VERSION: Final = "v1.36.1"
# The etcd release k8s.io/kubernetes v1.36.1 builds its own etcd client against; the
# end-to-end tier's control plane runs it.
ETCD_VERSION: Final = "v3.6.8"
KIND_NODE_IMAGE: Final = f"kindest/node:{KUBERNETES_VERSION}"

# kube-scheduler's client defaults (KubeSchedulerConfiguration clientConnection).
SCHEDULER_KUBE_API_QPS: Final = 50
SCHEDULER_KUBE_API_BURST: Final = 100

KWOK_VERSION: Final = "v0.7.0"
KWOK_RELEASE_URL: Final = "https://github.com/kubernetes-sigs/kwok/releases/download/{tag}/{asset}"
KWOK_RELEASE_ASSETS: Final = ("kwok.yaml", "stage-fast.yaml")
KWOK_IMAGE: Final = "registry.k8s.io/kwok/kwok"
# Nodes per KWOK controller, measured (docs/scale.md, "KWOK and the operator at scale").
KWOK_NODES_PER_CONTROLLER: Final = 1000
# How many Lease renewals one KWOK controller has in flight (its release's configuration).
KWOK_NODE_LEASE_PARALLELISM: Final = 4

# Karpenter, whose KWOK provider (module `sigs.k8s.io/karpenter`, package `kwok`) adds and
# removes the nodes of autoscaled pools; the fleet gives it templates, it installs nothing.
KARPENTER_VERSION: Final = "v1.15.0"
# The Go release that version's go.mod asks for (its `go` line).
KARPENTER_GO_VERSION: Final = "1.26.9"

OPERATOR_CHART: Final = "fake-gpu-operator"
OPERATOR_VERSION: Final = "0.0.59"
# Up to 0.0.59 the chart is served from a classic Helm repository; from 0.0.60
# it is published as an OCI artifact.
OPERATOR_HELM_REPOSITORY: Final = (
    "https://runai.jfrog.io/artifactory/api/helm/fake-gpu-operator-charts-prod"
)
OPERATOR_OCI_CHART: Final = "oci://ghcr.io/run-ai/fake-gpu-operator/fake-gpu-operator"
OPERATOR_FIRST_OCI_VERSION: Final = (0, 0, 60)
# Up to 0.0.66 the operator runs one exporter Deployment per KWOK node, all on
# the real worker; 0.0.67 runs one exporter for every KWOK node.
OPERATOR_SHARED_EXPORTER_VERSION: Final = "0.0.67"
# 0.2.0 is the first release known to carry the KWOK DRA plugin (chart value
# `kwokDraPlugin.enabled`), which publishes ResourceSlices for fake nodes.
OPERATOR_DRA_VERSION: Final = "0.2.0"

# The operator release whose chart runs `status-exporter-kwok` (Service
# nvidia-dcgm-exporter-kwok, port 9400): DCGM metrics for every KWOK node's GPUs.
OPERATOR_KWOK_EXPORTER_VERSION: Final = "0.2.0"

# GPU telemetry (`gpu-fleet:monitoring`): the community `prometheus` chart, and the
# Prometheus release the lab runs on the host (module v0.316.0 is Prometheus 3.x).
PROMETHEUS_CHART: Final = "prometheus"
PROMETHEUS_HELM_REPOSITORY: Final = "https://prometheus-community.github.io/helm-charts"
PROMETHEUS_CHART_VERSION: Final = "29.27.0"
PROMETHEUS_MODULE_VERSION: Final = "v0.316.0"

# The schedulers a stack may choose besides the default one (`gpu-fleet:scheduler`),
# each installed from its upstream chart at this release. Kueue publishes its chart
# to registry.k8s.io with the version without its `v`; KAI-Scheduler to ghcr.io with it.
KUEUE_VERSION: Final = "v0.17.0"
KUEUE_OCI_CHART: Final = "oci://registry.k8s.io/kueue/charts/kueue"
KAI_VERSION: Final = "v0.17.0"
KAI_OCI_CHART: Final = "oci://ghcr.io/kai-scheduler/kai-scheduler/kai-scheduler"

# The Pulumi engine pieces the program is tested with (requirements.txt pins the
# matching Python SDKs; a unit test keeps the two in step).
PULUMI_VERSION: Final = "3.259.0"
PULUMI_KUBERNETES_VERSION: Final = "4.32.0"
PULUMI_COMMAND_VERSION: Final = "1.2.1"


def kwok_release_manifests(tag: str) -> list[str]:
    """URLs of the KWOK release assets (controller, then stages) for `tag`."""
    return [KWOK_RELEASE_URL.format(tag=tag, asset=asset) for asset in KWOK_RELEASE_ASSETS]


def parse_chart_version(version: str) -> tuple[int, int, int]:
    """'0.0.59' -> (0, 0, 59); raises ValueError on anything else."""
    parts = version.removeprefix("v").split(".")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise ValueError(f"expected a version like 0.0.59, got {version!r}")
    major, minor, patch = (int(part) for part in parts)
    return major, minor, patch


def default_operator_chart(version: str) -> tuple[str, str | None]:
    """Chart reference and Helm repository serving `version` of the operator."""
    if parse_chart_version(version) >= OPERATOR_FIRST_OCI_VERSION:
        return OPERATOR_OCI_CHART, None
    return OPERATOR_CHART, OPERATOR_HELM_REPOSITORY
