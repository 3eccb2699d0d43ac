"""The fleet summary per pool and in total: printed by `fleet check`, exported by the stack."""

from typing import Any

from rich.table import Table

from fleet.spec import FleetSpec, KindCluster
from fleet.tables import number_column, text_column


def summary_table(spec: FleetSpec, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("pool", "nodes", "GPUs/node", "product", "GPU memory (MiB)", "GPUs"):
        add = text_column if column in ("pool", "product") else number_column
        add(table, column)
    for name, pool in spec.pools.items():
        table.add_row(
            name,
            str(pool.nodes),
            str(pool.gpus_per_node),
            pool.product,
            str(pool.memory_mib),
            str(pool.gpus),
        )
    table.add_section()
    table.add_row("total", str(spec.total_nodes), "", "", "", str(spec.total_gpus), style="bold")
    return table


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
            }
            for name, pool in spec.pools.items()
        },
        "totalNodes": spec.total_nodes,
        "totalGpus": spec.total_gpus,
        "largestPodGpus": spec.largest_pod_gpus,
    }


def pinned_versions(spec: FleetSpec) -> dict[str, str]:
    """What the stack installs, as pinned in fleet/versions.py or overridden by the stack."""
    pins = {"kwok": spec.kwok.version, "fakeGpuOperator": spec.operator.version}
    if isinstance(spec.cluster, KindCluster):
        pins["kindNodeImage"] = spec.cluster.node_image
    return pins
