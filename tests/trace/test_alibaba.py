"""The cluster-trace-gpu-v2023 layout: small files written here in its columns, never the data."""

from pathlib import Path

import pytest

from fleet.imports.pools import InputError
from fleet.stack.load import parse_fleet
from fleet.trace.alibaba import UNKNOWN_MEMORY_MIB, import_alibaba

NODES = """sn,cpu_milli,memory_mib,gpu,model
node-0,96000,786432,8,V100M32
node-1,96000,786432,8,V100M32
node-2,64000,262144,8,V100M32
node-3,32000,131072,2,T4
node-4,32000,131072,0,
node-5,48000,196608,4,G3
"""
POD_HEADER = (
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
    "creation_time,deletion_time,scheduled_time\n"
)
PODS = (
    POD_HEADER
    + """\
openb-pod-0003,8000,30000,8,1000,V100M32,LS,Succeeded,500,9500,600
openb-pod-0001,4000,15000,1,500,,BE,Succeeded,100,1100,100
openb-pod-0002,4000,15000,0,0,,BE,Succeeded,200,1200,200
openb-pod-0004,4000,15000,2,1000,T4|V100M32,Burstable,Running,900,,950
openb-pod-0005,4000,15000,1,1000,nan,BE,Pending,1000,,
openb-pod-0006,4000,15000,1,1000,A100,LS,Succeeded,1500,1600,1550
"""
)


def write(tmp_path: Path, nodes: str = NODES, pods: str = PODS) -> tuple[Path, Path]:
    node_list, pod_list = tmp_path / "nodes.csv", tmp_path / "pods.csv"
    node_list.write_text(nodes)
    pod_list.write_text(pods)
    return node_list, pod_list


def test_nodes_become_pools_by_model_and_gpu_count(tmp_path: Path) -> None:
    imported = import_alibaba(*write(tmp_path))
    assert imported.pools == {
        "g3-4g": {
            "nodes": 1,
            "gpusPerNode": 4,
            "product": "G3",
            "gpuMemoryMiB": UNKNOWN_MEMORY_MIB,
            "cpu": 48,
            "memory": "196608Mi",
        },
        "t4-2g": {
            "nodes": 1,
            "gpusPerNode": 2,
            "product": "Tesla-T4",
            "gpuMemoryMiB": 15360,
            "cpu": 32,
            "memory": "131072Mi",
        },
        "v100m32-8g": {
            "nodes": 3,
            "gpusPerNode": 8,
            "product": "Tesla-V100-SXM2-32GB",
            "gpuMemoryMiB": 32510,
            "cpu": 96,  # the most common shape of the pool's nodes
            "memory": "786432Mi",
        },
    }
    spec = parse_fleet({"cluster": {"mode": "kind"}, "pools": imported.pools}, "imported")
    assert spec.total_gpus == 30
    assert "1 nodes without GPUs left out" in imported.notes
    assert any("'G3' is not known" in note for note in imported.notes)


def test_pods_become_rows_and_what_cannot_be_replayed_is_counted(tmp_path: Path) -> None:
    imported = import_alibaba(*write(tmp_path))
    rows = {row.job: row for row in imported.rows}
    # Arrival from the first GPU pod's creation; duration from scheduling to deletion.
    assert list(rows) == ["openb-pod-0001", "openb-pod-0003", "openb-pod-0004", "openb-pod-0006"]
    fractional = rows["openb-pod-0001"]
    assert (fractional.arrival_s, fractional.gpus_per_pod, fractional.duration_s) == (0, 1, 1000)
    assert fractional.products == ()
    whole = rows["openb-pod-0003"]
    assert (whole.arrival_s, whole.gpus_per_pod, whole.duration_s) == (400, 8, 8900)
    assert whole.products == ("Tesla-V100-SXM2-32GB",)
    # Still running at the end: until the trace's last recorded time (9500).
    running = rows["openb-pod-0004"]
    assert running.duration_s == 9500 - 950
    assert running.products == ("Tesla-T4", "Tesla-V100-SXM2-32GB")
    assert sorted(imported.notes[-5:]) == [
        "1 pods: asks for a model no node has",
        "1 pods: cpu-only",
        "1 pods: fractional",
        "1 pods: never scheduled",
        "1 pods: still running",
    ]


def test_bad_cells_are_named_by_file_line_and_column(tmp_path: Path) -> None:
    pods = PODS.replace("openb-pod-0001,4000,15000,1,500", "openb-pod-0001,4000,15000,one,500")
    nodes = NODES.replace("node-3,32000,131072,2,T4", "node-3,32000,131072,2.5,T4")
    node_list, pod_list = write(tmp_path, nodes=nodes, pods=pods)
    with pytest.raises(InputError) as caught:
        import_alibaba(node_list, pod_list)
    assert f"{node_list}: line 5: gpu: a whole number 1..16 (got 2.5)" in str(caught.value)
    node_list, pod_list = write(tmp_path, pods=pods)
    with pytest.raises(InputError) as caught:
        import_alibaba(node_list, pod_list)
    assert f"{pod_list}: line 3: num_gpu: not a number (got 'one')" in str(caught.value)


def test_a_file_without_the_layout_columns_is_refused(tmp_path: Path) -> None:
    node_list, pod_list = write(tmp_path, nodes="sn,gpu\nnode-0,8\n")
    with pytest.raises(InputError, match="line 1: missing column 'model'"):
        import_alibaba(node_list, pod_list)
