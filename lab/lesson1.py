"""The lesson-1 fleet as the e2e scenarios declare it on the session's control plane."""

import copy
from typing import Any

from fleet.stack import versions
from lab import charts
from lab.cluster import Cluster

OPERATOR_NAMESPACE = "gpu-operator"

LESSON1_POOLS = {
    "a100": {"nodes": 2, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"},
    "h100": {
        "nodes": 1,
        "gpusPerNode": 8,
        "product": "NVIDIA-H100-80GB-HBM3",
        "gpuMemoryMiB": 81920,
    },
    "l40s": {"nodes": 2, "gpusPerNode": 4, "product": "NVIDIA-L40S"},
}


def lesson1_config(cluster: Cluster, pools: dict[str, Any] | None = None) -> dict[str, Any]:
    """The lesson-1 fleet on the session's cluster, the operator from its source chart."""
    return {
        "cluster": cluster.as_stack_cluster(),
        # A copy: a scenario that spoils its config must not spoil the next one's.
        "pools": copy.deepcopy(pools or LESSON1_POOLS),
        # The control plane runs its own KWOK controller (see harness/cluster.py).
        "kwok": {"install": False},
        "operator": {
            "chart": str(charts.operator_chart(versions.OPERATOR_VERSION)),
            "namespace": OPERATOR_NAMESPACE,
            # The release's pods cannot start without a container runtime, so the
            # release is not awaited and its hook Job is not created; the operator's
            # commands run on the host instead (the `operator` fixture).
            "wait": False,
            "hooks": False,
        },
        # Pinned, as in stacks/Pulumi.lesson1.yaml: a capacity change then changes
        # only the nodes.
        "demo": {"enabled": True, "queueReplicas": 40},
    }
