"""`python -m fleet pool-from-nvidia-smi`: a pool declaration from one node's nvidia-smi output."""

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fleet.cli import EXIT_BAD_INPUT, main
from fleet.imports.mirror import default_pool_name
from fleet.stack.load import load_stack_file
from tests.imports.captures import H100_CAPTURES, table_rows
from tests.paths import ROOT

H100_POOL = {
    "nodes": 1,
    "gpusPerNode": 1,
    "product": "NVIDIA-H100-80GB-HBM3",
    "gpuMemoryMiB": 81559,
}
LESSON1 = ROOT / "stacks" / "Pulumi.lesson1.yaml"


@pytest.mark.parametrize("fmt", H100_CAPTURES)
def test_captured_h100_round_trips_in_each_format(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pool-from-nvidia-smi", str(H100_CAPTURES[fmt])]) == 0
    output = capsys.readouterr().out
    assert yaml.safe_load(output) == {"h100": H100_POOL}
    assert output.startswith(f"h100:  # 1 x NVIDIA H100 80GB HBM3 per node (nvidia-smi {fmt} ")
    assert ("memory from the catalog" in output) == (fmt == "list")


@pytest.mark.parametrize("argv", [[], ["-"]], ids=["no-file", "dash"])
def test_reads_standard_input(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(H100_CAPTURES["csv"].read_bytes()))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["pool-from-nvidia-smi", *argv]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == {"h100": H100_POOL}


def test_nodes_and_pool_name(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["pool-from-nvidia-smi", str(H100_CAPTURES["table"]), "--nodes", "4", "--pool", "sxm5"]
    assert main(args) == 0
    assert yaml.safe_load(capsys.readouterr().out) == {"sxm5": {**H100_POOL, "nodes": 4}}


def test_eight_gpu_list_takes_memory_from_the_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "L.txt"
    capture.write_text("".join(f"GPU {i}: NVIDIA L40S (UUID: GPU-{i})\n" for i in range(8)))
    assert main(["pool-from-nvidia-smi", str(capture)]) == 0
    pool = yaml.safe_load(capsys.readouterr().out)
    assert pool == {
        "l40s": {"nodes": 1, "gpusPerNode": 8, "product": "NVIDIA-L40S", "gpuMemoryMiB": 46068}
    }


@pytest.mark.parametrize(
    ("text", "argv", "expected"),
    [
        (
            "GPU 0: NVIDIA B200 (UUID: GPU-1)\n",
            [],
            "the output gives no memory.total and NVIDIA-B200 is not in the catalog",
        ),
        (
            "NVIDIA H100 80GB HBM3, 81559 MiB\n" * 17,
            [],
            "pools.h100.gpusPerNode: Input should be less than or equal to 16 (got 17)",
        ),
        (
            "NVIDIA H100 80GB HBM3, 81559 MiB\n",
            ["--pool", "H100"],
            "pools.H100 (the key itself): pool names become node names",
        ),
        (
            "NVIDIA A100-SXM4-80GB, 81920 MiB\nNVIDIA L40S, 46068 MiB\n",
            [],
            "mixed GPU models on one node: 1 x NVIDIA-A100-SXM4-80GB, 1 x NVIDIA-L40S",
        ),
        ("", [], "no nvidia-smi output (empty input)"),
        ("\x00\x01garbage\n", [], "not nvidia-smi output"),
    ],
    ids=[
        "unknown-product-without-memory",
        "too-many-gpus",
        "bad-pool-name",
        "mixed",
        "empty",
        "garbage",
    ],
)
def test_bad_input_exits_2_with_the_problem(
    text: str,
    argv: list[str],
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_text(text)
    assert main(["pool-from-nvidia-smi", str(capture), *argv]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    assert expected in captured.err
    assert str(capture) in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("nodes", ["0", "-3", "two"])
def test_nodes_must_be_positive(nodes: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["pool-from-nvidia-smi", str(H100_CAPTURES["csv"]), "--nodes", nodes])
    assert exit_.value.code == EXIT_BAD_INPUT
    assert "--nodes: must be a whole number of at least 1" in capsys.readouterr().err


def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.csv"
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xfe\x00")
    assert main(["pool-from-nvidia-smi", str(missing)]) == EXIT_BAD_INPUT
    assert main(["pool-from-nvidia-smi", str(binary)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{missing}: no such file\n" in err
    assert f"{binary}: not UTF-8 text: line 1, byte offset 0 (byte 0xfe)\n" in err


@pytest.mark.parametrize(
    ("product", "pool"),
    [
        ("NVIDIA-H100-80GB-HBM3", "h100"),
        ("NVIDIA-A100-SXM4-80GB", "a100"),
        ("NVIDIA-L40S", "l40s"),
        ("NVIDIA-H200", "h200"),
        ("Tesla-T4", "t4"),
        ("NVIDIA-GeForce-RTX-4090", "rtx-4090"),
        ("NVIDIA-RTX-A6000", "rtx-a6000"),
        ("NVIDIA-DGX-Display", "dgx"),
    ],
)
def test_default_pool_name(product: str, pool: str) -> None:
    assert default_pool_name(product) == pool


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    """A stacks directory holding a copy of the lesson-1 stack."""
    shutil.copy(LESSON1, tmp_path / LESSON1.name)
    return tmp_path


def _into(stacks: Path, *argv: str, capture: str = "csv") -> int:
    command = ["pool-from-nvidia-smi", str(H100_CAPTURES[capture]), "--stacks-dir", str(stacks)]
    return main([*command, "--into-stack", "lesson1", *argv])


def test_into_stack_adds_the_pool_and_keeps_the_rest(
    stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_file = stacks / LESSON1.name
    stack_file.chmod(0o640)
    assert _into(stacks, "--pool", "h100-real", "--nodes", "2") == 0
    assert stack_file.stat().st_mode & 0o777 == 0o640
    assert [path.name for path in stacks.iterdir()] == [LESSON1.name]
    text = stack_file.read_text(encoding="utf-8")
    original = LESSON1.read_text(encoding="utf-8")
    # Everything that was there is still there, in order, comments included.
    assert (
        text.replace(
            "    h100-real:  # 1 x NVIDIA H100 80GB HBM3 per node (nvidia-smi csv output)\n"
            "      nodes: 2\n"
            "      gpusPerNode: 1\n"
            "      product: NVIDIA-H100-80GB-HBM3\n"
            "      gpuMemoryMiB: 81559\n",
            "",
        )
        == original
    )
    spec = load_stack_file(stack_file)
    assert list(spec.pools) == ["a100", "h100", "l40s", "h100-real"]
    assert (spec.total_nodes, spec.total_gpus) == (7, 34)
    assert spec.demo.enabled
    rows = table_rows(capsys.readouterr().out)
    assert rows["h100-real"][:2] == ["2", "1"]
    assert rows["total"] == ["7", "34"]


def test_into_stack_refuses_to_replace_a_pool_without_force(
    stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_file = stacks / LESSON1.name
    assert _into(stacks) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == (
        f"{stack_file}: already has a pool 'h100'; "
        "pass --force to replace it, or --pool to name this one differently\n"
    )
    assert stack_file.read_text(encoding="utf-8") == LESSON1.read_text(encoding="utf-8")


def test_into_stack_force_replaces_the_pool_in_place(stacks: Path) -> None:
    stack_file = stacks / LESSON1.name
    assert _into(stacks, "--force", capture="list") == 0
    text = stack_file.read_text(encoding="utf-8")
    assert "the lab's figure" not in text  # the comment of the replaced pool went with it
    assert text.startswith("# Lesson 1: the 5-node, 32-GPU fleet")
    spec = load_stack_file(stack_file)
    assert list(spec.pools) == ["a100", "h100", "l40s"]
    assert spec.pools["h100"].model_dump(by_alias=True, exclude_unset=True) == H100_POOL
    assert spec.pools["a100"] == load_stack_file(LESSON1).pools["a100"]


def test_into_stack_validates_the_resulting_fleet(
    stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_file = stacks / LESSON1.name
    assert _into(stacks, "--pool", "big", "--nodes", "100") == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"{stack_file} with pool 'big': invalid fleet spec")
    assert "gpu-fleet:operator.version: fake-gpu-operator 0.0.59 runs one exporter pod" in err
    assert stack_file.read_text(encoding="utf-8") == LESSON1.read_text(encoding="utf-8")
    assert sorted(path.name for path in stacks.iterdir()) == [LESSON1.name]


def test_into_missing_stack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _into(tmp_path) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err == f"{tmp_path / LESSON1.name}: no such stack file; create the stack first\n"


def test_into_invalid_stack_is_refused(stacks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack_file = stacks / LESSON1.name
    broken = LESSON1.read_text(encoding="utf-8").replace("nodes: 2", "nodes: 0", 1)
    stack_file.write_text(broken, encoding="utf-8")
    assert _into(stacks, "--pool", "h100-real") == EXIT_BAD_INPUT
    assert "gpu-fleet:pools.a100.nodes: Input should be greater" in capsys.readouterr().err
    assert stack_file.read_text(encoding="utf-8") == broken


def test_into_stack_without_namespace_or_final_newline(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.lesson1.yaml"
    stack_file.write_text(
        "config:\n"
        "  cluster: {mode: kind}\n"
        "  pools:\n"
        "    a100: {nodes: 2, gpusPerNode: 8, product: NVIDIA-A100-SXM4-80GB}",
        encoding="utf-8",
    )
    assert _into(tmp_path) == 0
    assert list(load_stack_file(stack_file).pools) == ["a100", "h100"]
    assert stack_file.read_text(encoding="utf-8").endswith("      gpuMemoryMiB: 81559\n")


@pytest.mark.parametrize(
    ("pools", "expected"),
    [
        (
            "  gpu-fleet:pools: {a100: {nodes: 2, gpusPerNode: 8, product: NVIDIA-L40S}}\n",
            "gpu-fleet:pools must be a block mapping (one indented block per pool)",
        ),
        (
            "  gpu-fleet:pools:\n"
            "    a100: &pool\n"
            "      nodes: 2\n"
            "      gpusPerNode: 8\n"
            "      product: NVIDIA-L40S\n"
            "    h100: *pool\n",
            "cannot add the pool without rewriting gpu-fleet:pools (anchors or aliases in it?)",
        ),
    ],
    ids=["flow-style", "alias"],
)
def test_into_stack_refuses_layouts_it_cannot_edit(
    pools: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_file = tmp_path / "Pulumi.lesson1.yaml"
    text = "config:\n  gpu-fleet:cluster: {mode: kind}\n" + pools
    stack_file.write_text(text, encoding="utf-8")
    assert _into(tmp_path, "--force") == EXIT_BAD_INPUT
    assert capsys.readouterr().err.startswith(f"{stack_file}: {expected}")
    assert stack_file.read_text(encoding="utf-8") == text


def test_module_entry_point_reads_standard_input() -> None:
    command = [sys.executable, "-m", "fleet", "pool-from-nvidia-smi", "--nodes", "3"]
    capture = H100_CAPTURES["table"].read_text(encoding="utf-8")
    ok = subprocess.run(command, cwd=ROOT, input=capture, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert yaml.safe_load(ok.stdout) == {"h100": {**H100_POOL, "nodes": 3}}
    bad = subprocess.run(command, cwd=ROOT, input="garbage\n", capture_output=True, text=True)
    assert bad.returncode == EXIT_BAD_INPUT
    assert bad.stderr.startswith("<stdin>: not nvidia-smi output")
    assert "Traceback" not in bad.stderr
