"""The fleet's figures per pool and in total, and the pins in use, as plain data.

The stack exports them and `fleet check --json` prints them; the table `fleet check`
prints is built from the same spec in `fleet.commands.tables`. No rich here: the Pulumi
program imports this module.
"""

from typing import Any

from fleet.heartbeat.sizing import KEYS
from fleet.sharing.layout import describe
from fleet.stack.spec import FleetSpec, KindClusterSpec, PoolSpec


def summary_data(spec: FleetSpec) -> dict[str, Any]:
    """The same figures as plain data (stack outputs, `--json`)."""
    return {
        "pools": {
            name: {
                "nodes": pool.nodes,
                "gpusPerNode": pool.gpus_per_node,
                "product": pool.product,
                "gpuMemoryMiB": pool.memory_mib,
                "gpus": pool.gpus,
                **topology_data(pool),
                **autoscale_data(pool),
                **sharing_data(pool),
            }
            for name, pool in spec.pools.items()
        },
        "totalNodes": spec.total_nodes,
        "totalGpus": spec.total_gpus,
        "largestPodGpus": spec.largest_pod_gpus,
    }


def heartbeat_data(spec: FleetSpec) -> dict[str, Any]:
    """The fleet's heartbeat settings (seconds), which of them the stack set, and the
    kube-controller-manager flags it needs beyond the defaults."""
    heartbeat = spec.heartbeats
    return {
        "writesPerSecondBudget": heartbeat.budget,
        "writesPerSecond": round(heartbeat.writes_per_second, 1),
        "factor": heartbeat.factor,
        "nodeLeaseDurationSeconds": heartbeat.lease_duration_s,
        "nodeLeaseRenewSeconds": heartbeat.renew_interval_s,
        "nodeStatusPeriodSeconds": heartbeat.node_status_period_s,
        "nodeMonitorGracePeriodSeconds": heartbeat.node_monitor_grace_period_s,
        "nodeMonitorPeriodSeconds": heartbeat.node_monitor_period_s,
        "overridden": sorted(KEYS[name] for name in heartbeat.overridden),
        "controllerManagerFlags": heartbeat.controller_manager_flags(),
    }


def topology_data(pool: PoolSpec) -> dict[str, Any]:
    """A pool's racks, blocks and NVLink domains, and its level labels; nothing without one."""
    if pool.topology is None:
        return {}
    return {
        "topology": {
            "racks": pool.racks,
            "nodesPerRack": pool.topology.nodes_per_rack,
            "blocks": pool.blocks,
            "racksPerBlock": pool.topology.racks_per_block,
            "nvlinkDomains": pool.nvlink_domains,
            "levels": list(pool.topology.level_labels),
        }
    }


def autoscale_data(pool: PoolSpec) -> dict[str, Any]:
    """An autoscaled pool's bounds, prices per node-hour and cost per hour at min and at
    max per capacity type; nothing for a fixed pool."""
    if pool.autoscale is None:
        return {}
    return {
        "autoscale": {
            "min": pool.autoscale.min,
            "max": pool.autoscale.max,
            "maxGpus": pool.autoscale.max * pool.gpus_per_node,
            "pricePerNodeHour": pool.autoscale.prices.offered,
            "costPerHour": {
                key: {"atMin": low, "atMax": high}
                for key, (low, high) in pool.autoscale.cost_per_hour().items()
            },
        }
    }


def sharing_data(pool: PoolSpec) -> dict[str, Any]:
    """A pool's sharing: how, each GPU's layout, and per node and in the pool what it
    advertises (`nvidia.com/gpu`, the slices by resource); nothing without sharing."""
    offer = pool.offer
    if offer.kind == "whole":
        return {}
    return {
        "sharing": {
            "kind": offer.kind,
            "perGpu": per_gpu(pool),
            "nvidiaComGpuPerNode": offer.gpu_count,
            "slicesPerNode": offer.slices,
            "slices": {name: count * pool.nodes for name, count in offer.slices.items()},
        }
    }


def per_gpu(pool: PoolSpec) -> str:
    """How each GPU is shared, in words: its MIG instances or its replicas."""
    if pool.mig_layout:
        return describe(pool.mig_layout)
    sharing = pool.sharing
    if sharing is not None and sharing.time_slicing is not None:
        return f"{sharing.time_slicing.replicas} replicas"
    return "whole"


def pinned_versions(spec: FleetSpec) -> dict[str, str]:
    """What the stack installs, as pinned in fleet/stack/versions.py or overridden by the stack."""
    pins = {"kwok": spec.kwok.version, "fakeGpuOperator": spec.operator.version}
    if isinstance(spec.cluster, KindClusterSpec):
        pins["kindNodeImage"] = spec.cluster.node_image
    return pins
