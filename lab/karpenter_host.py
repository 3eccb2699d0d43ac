"""Karpenter's KWOK provider as a host process on the e2e control plane.

Its chart's Deployment cannot start a pod here (no container runtime), so the tier runs
the same controller, built from `sigs.k8s.io/karpenter`'s `kwok` package at the pinned
release, on the host with a kubeconfig and the environment the chart gives its pod:
the system namespace, leader election off (one replica), its metrics and health ports
moved to free ones. Its CRDs (NodePool, NodeClaim and the rest of the chart's, and the
KWOKNodeClass) are applied from the module's tree, as installing the chart would.

Nothing in the KWOK provider marks a KWOKNodeClass Ready (a cloud provider's node-class
controller does that, and the KWOK provider has none), and Karpenter provisions only from
a NodePool whose node class is Ready; the harness sets that condition on the stack's
classes through their status subresource (`mark_node_classes_ready`).

The instance-types file the stack keeps in a ConfigMap (`fleet.autoscale.instance_types`)
is written to a local file, as the kubelet writes a mounted ConfigMap's key, and the
provider is pointed at it (`INSTANCE_TYPES_FILE_PATH`). The nodes it makes carry KWOK's
node annotation, so the control plane's KWOK controller keeps them Ready.
"""

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fleet.autoscale.instance_types import CONFIG_MAP_NAME, CONFIG_MAP_NAMESPACE, FILE_KEY
from fleet.autoscale.node_pool import NODE_CLASS_API
from fleet.stack import versions
from lab import kube
from lab.cluster import Cluster
from lab.host_processes import Supervised
from lab.kueue_host import free_port
from lab.pins import KARPENTER_CRD_DIRS, KARPENTER_KWOK_TOOL
from lab.tools import cache_dir, module_dir

SYSTEM_NAMESPACE = "kube-system"
# The provider's batching of pending pods (its defaults: 1 s idle, 10 s at most); a
# shorter window makes a single pod's scale-up quicker and changes nothing else.
BATCH_IDLE = "1s"
BATCH_MAX = "2s"


def karpenter_module() -> Path:
    """The module's tree at the pinned release, from the module proxy (with the toolchain
    its go.mod asks for, which `go mod download` checks too)."""
    env = {**os.environ, **dict(KARPENTER_KWOK_TOOL.env)}
    return module_dir(f"sigs.k8s.io/karpenter@{versions.KARPENTER_VERSION}", cache_dir(), env)


def crd_files() -> list[Path]:
    """Karpenter's CRDs as its chart and the KWOK provider's API folder hold them."""
    module = karpenter_module()
    return [
        path for folder in KARPENTER_CRD_DIRS for path in sorted((module / folder).glob("*.yaml"))
    ]


def apply_crds(kubectl: Path, cluster: Cluster) -> None:
    """Apply the CRDs server-side (the NodePool CRD is too large for a client-side apply's
    last-applied annotation) and wait until the API server serves them."""
    files = crd_files()
    kubeconfig = f"--kubeconfig={cluster.kubeconfig}"
    for path in files:
        subprocess.run(
            [str(kubectl), kubeconfig, "apply", "--server-side", "-f", str(path)],
            check=True,
            capture_output=True,
        )
    subprocess.run(
        [str(kubectl), kubeconfig, "wait", "--for=condition=Established", "--timeout=60s"]
        + [arg for path in files for arg in ("-f", str(path))],
        check=True,
        capture_output=True,
    )


def mark_node_classes_ready(api: Any) -> list[str]:
    """Set `Ready=True` on every KWOKNodeClass's status; returns their names."""
    group, version = NODE_CLASS_API.split("/")
    custom = kube.custom(api)
    found = custom.list_cluster_custom_object(group, version, "kwoknodeclasses")
    names = [item["metadata"]["name"] for item in found.get("items", [])]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for item in found.get("items", []):
        ready = {
            "type": "Ready",
            "status": "True",
            "reason": "Ready",
            "message": "",
            "lastTransitionTime": now,
            "observedGeneration": item["metadata"]["generation"],
        }
        custom.patch_cluster_custom_object_status(
            group,
            version,
            "kwoknodeclasses",
            item["metadata"]["name"],
            {"status": {"conditions": [ready]}},
        )
    return names


def write_instance_types(api: Any, workdir: Path) -> Path:
    """The stack's instance-types file, from its ConfigMap into a local file."""
    config_map = kube.raw(
        kube.core(api).read_namespaced_config_map, CONFIG_MAP_NAME, CONFIG_MAP_NAMESPACE
    )
    path = workdir / FILE_KEY
    path.write_text(config_map["data"][FILE_KEY])
    return path


def provider_command(
    binaries: dict[str, Path], cluster: Cluster, instance_types: Path
) -> Supervised:
    """The provider's controller with its chart's environment, as a host process."""
    env = {
        "KUBECONFIG": str(cluster.kubeconfig),
        "SYSTEM_NAMESPACE": SYSTEM_NAMESPACE,
        "DISABLE_LEADER_ELECTION": "true",
        "METRICS_PORT": str(free_port("127.0.0.1")),
        "HEALTH_PROBE_PORT": str(free_port("127.0.0.1")),
        "INSTANCE_TYPES_FILE_PATH": str(instance_types),
        "BATCH_IDLE_DURATION": BATCH_IDLE,
        "BATCH_MAX_DURATION": BATCH_MAX,
        "LOG_LEVEL": "debug",
    }
    log = cluster.workdir / "karpenter.log"
    binary = binaries[KARPENTER_KWOK_TOOL.binary_name]
    return Supervised("karpenter", ["karpenter"], binary, env, log)
