"""Reading nvidia-smi output: the captured H100 node and synthetic multi-GPU nodes."""

import pytest

from fleet.imports.nvidia_smi import Gpu, GpuModel, one_model, parse
from fleet.imports.pools import InputError
from fleet.stack.catalog import product_label
from tests.imports.captures import H100_CAPTURES

H100 = "NVIDIA H100 80GB HBM3"
A100 = "NVIDIA A100-SXM4-80GB"

TABLE_2X_A100 = """\
Mon Nov 23 09:12:44 2026
+---------------------------------------------------------------------------------------+
| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: 12.2     |
|-----------------------------------------+----------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |         Memory-Usage | GPU-Util  Compute M. |
|                                         |                      |               MIG M. |
|=========================================+======================+======================|
|   0  NVIDIA A100-SXM4-80GB          On  | 00000000:07:00.0 Off |                    0 |
| N/A   33C    P0              62W / 400W |      4MiB / 81920MiB |      0%      Default |
|                                         |                      |             Disabled |
+-----------------------------------------+----------------------+----------------------+
|   1  NVIDIA A100-SXM4-80GB          On  | 00000000:0F:00.0 Off |                    0 |
| N/A   31C    P0              60W / 400W |  40000MiB / 81920MiB |     97%      Default |
|                                         |                      |             Disabled |
+-----------------------------------------+----------------------+----------------------+

+---------------------------------------------------------------------------------------+
| Processes:                                                                            |
|  GPU   GI   CI        PID   Type   Process name                            GPU Memory |
|        ID   ID                                                             Usage      |
|=======================================================================================|
|    1   N/A  N/A      4242      C   python                                39996MiB |
+---------------------------------------------------------------------------------------+
"""


@pytest.mark.parametrize("fmt", H100_CAPTURES)
def test_captured_h100_in_each_format(fmt: str) -> None:
    reading = parse(H100_CAPTURES[fmt].read_text(encoding="utf-8"), "capture")
    assert reading.format == fmt
    memory = None if fmt == "list" else 81559  # `-L` does not report memory
    assert reading.gpus == (Gpu(H100, memory),)
    assert one_model(reading, "capture") == GpuModel(H100, 1, memory)
    assert product_label(H100) == "NVIDIA-H100-80GB-HBM3"


@pytest.mark.parametrize(
    "text",
    [
        "name, memory.total [MiB]\n" + f"{A100}, 81920 MiB\n" * 8,
        "name, memory.total [MiB]\n" + f"{A100}, 81920\n" * 8,  # nounits
        f"{A100}, 81920 MiB\n" * 8,  # noheader
        f"{A100}, 81920\n" * 8,  # noheader,nounits
        "memory.total [MiB], index, name\n"
        + "".join(f"81920 MiB, {index}, {A100}\n" for index in range(8)),
        "".join(f"GPU {i}: {A100} (UUID: GPU-{i:08d})\n" for i in range(8)),
    ],
    ids=["csv", "csv-nounits", "csv-noheader", "csv-noheader-nounits", "csv-columns", "list"],
)
def test_eight_gpu_node(text: str) -> None:
    gpus = one_model(parse(text, "node"), "node")
    assert (gpus.name, gpus.count) == (A100, 8)
    assert gpus.memory_mib == (None if text.startswith("GPU 0") else 81920)


def test_table_with_two_gpus_stops_before_processes() -> None:
    reading = parse(TABLE_2X_A100, "node")
    assert reading.format == "table"
    assert reading.gpus == (Gpu(A100, 81920), Gpu(A100, 81920))


def test_list_with_mig_devices() -> None:
    text = (
        f"GPU 0: {A100} (UUID: GPU-5b6c)\n"
        "  MIG 3g.40gb     Device  0: (UUID: MIG-1a2b)\n"
        "  MIG 3g.40gb     Device  1: (UUID: MIG-3c4d)\n"
        f"GPU 1: {A100} (UUID: GPU-7e8f)\n"
    )
    assert one_model(parse(text, "node"), "node") == GpuModel(A100, 2, None)


def test_csv_with_name_only() -> None:
    assert parse(f"name\n{H100}\n", "node").gpus == (Gpu(H100, None),)


def test_memory_not_reported_in_csv() -> None:
    assert parse(f"name, memory.total [MiB]\n{H100}, [N/A]\n", "node").gpus == (Gpu(H100, None),)


MIXED = {
    "csv": (
        "name, memory.total [MiB]\n" + f"{A100}, 81920 MiB\n" * 4 + "NVIDIA L40S, 46068 MiB\n" * 2,
        "4 x NVIDIA-A100-SXM4-80GB, 2 x NVIDIA-L40S",
    ),
    "list": (
        "".join(f"GPU {i}: {A100} (UUID: GPU-{i})\n" for i in range(4))
        + "GPU 4: NVIDIA L40S (UUID: GPU-4)\nGPU 5: NVIDIA L40S (UUID: GPU-5)\n",
        "4 x NVIDIA-A100-SXM4-80GB, 2 x NVIDIA-L40S",
    ),
    "table": (
        TABLE_2X_A100.replace(
            "|   1  NVIDIA A100-SXM4-80GB          On", "|   1  NVIDIA L40S                    On"
        ),
        "1 x NVIDIA-A100-SXM4-80GB, 1 x NVIDIA-L40S",
    ),
}


@pytest.mark.parametrize(("text", "models"), MIXED.values(), ids=MIXED.keys())
def test_mixed_models_are_reported_not_averaged(text: str, models: str) -> None:
    with pytest.raises(InputError) as error:
        one_model(parse(text, "node.txt"), "node.txt")
    assert str(error.value).startswith(f"node.txt: mixed GPU models on one node: {models};")


def test_same_model_with_different_memory_is_an_error() -> None:
    text = f"{A100}, 81920\n{A100}, 40960\n"
    with pytest.raises(InputError, match=r"report different memory\.total: 40960, 81920 MiB"):
        one_model(parse(text, "node"), "node")


MALFORMED = {
    "empty": ("", "no nvidia-smi output (empty input)"),
    "blank-lines": ("\n  \n\n", "no nvidia-smi output (empty input)"),
    "garbage": ("hello world\n", "not nvidia-smi output (first line: 'hello world')"),
    "no-devices": ("No devices were found\n", "not nvidia-smi output (first line: 'No devices"),
    "driver-not-loaded": (
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n",
        "not nvidia-smi output",
    ),
    "csv-header-only": ("name, memory.total [MiB]\n", "the CSV has a header but no GPU rows"),
    "csv-memory-word": (f"{H100}, lots\n", "line 1: memory.total 'lots' is not a figure in MiB"),
    "csv-ragged": (
        f"name, memory.total [MiB]\n{H100}, 81559 MiB, extra\n",
        "line 2: 3 columns, the first line has 2",
    ),
    "csv-no-header-three-columns": (
        f"0, {H100}, 81559 MiB\n",
        "a CSV without a header must have exactly the columns name, memory.total",
    ),
    "csv-header-without-name": (
        "index, uuid\n0, GPU-641f\n",
        "the CSV header has no name column ('index, uuid'); query name,memory.total",
    ),
    "csv-empty-name": ("name, memory.total [MiB]\n, 81559 MiB\n", "line 2: the GPU name is empty"),
    "list-with-garbage": (
        f"GPU 0: {H100} (UUID: GPU-1)\nsomething else\n",
        "line 2: not `nvidia-smi -L` output: 'something else'",
    ),
    "table-without-gpus": ("+----+\n| NVIDIA-SMI 580.159.04 |\n+----+\n", "no GPU rows"),
    "table-without-memory": (
        "|   0  NVIDIA H100 80GB HBM3          On  |   00000000:00:06.0 Off |\n",
        "a GPU row of the nvidia-smi table has no memory figure",
    ),
    "table-truncated-name": (
        "|   0  NVIDIA GeForce RTX ...         Off |   00000000:01:00.0  On |\n"
        "|  0%   38C    P8              12W / 450W |    512MiB / 24564MiB |\n",
        "the table truncates the GPU name 'NVIDIA GeForce RTX ...'",
    ),
}


@pytest.mark.parametrize(("text", "expected"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_output_is_refused_with_the_problem(text: str, expected: str) -> None:
    with pytest.raises(InputError) as error:
        one_model(parse(text, "node.txt"), "node.txt")
    assert str(error.value).startswith("node.txt: ")
    assert expected in str(error.value)


def _list_of(node_gpus: int, nodes: int) -> str:
    return "".join(
        f"GPU {i}: {A100} (UUID: GPU-{n}-{i})\n" for n in range(nodes) for i in range(node_gpus)
    )


@pytest.mark.parametrize(
    ("output", "where"),
    [
        (_list_of(8, 2), "line 9: GPU 0 again (first on line 1)"),
        (TABLE_2X_A100 + TABLE_2X_A100, "a second GPU table"),
        (
            "index, name, memory.total [MiB]\n"
            + "".join(f"{i % 2}, {A100}, 81920 MiB\n" for i in range(4)),
            "line 4: GPU 0 again (first on line 2)",
        ),
    ],
    ids=["list", "table", "csv-with-index"],
)
def test_the_output_of_two_nodes_is_refused_not_summed(output: str, where: str) -> None:
    """Two 8-GPU nodes in one capture must not become one 16-GPU node."""
    with pytest.raises(InputError) as raised:
        parse(output, "two-nodes.txt")
    (problem,) = raised.value.problems
    assert where in problem
    assert "more than one node" in problem
    assert "--nodes" in problem


def test_one_node_in_a_list_is_still_read() -> None:
    assert len(parse(_list_of(8, 1), "one-node.txt").gpus) == 8
