"""`gpu-fleet import-topology`: topology JSON files become stack files."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleet.cli import EXIT_BAD_INPUT, main
from fleet.imports.pools import check_pools
from fleet.stack.load import load_stack_file
from fleet.stack.spec import KindClusterSpec
from tests.imports.captures import TOPOLOGIES, table_rows
from tests.paths import ROOT

PROFILES = {"small": (5, 32), "medium": (160, 1024), "large-1k": (1000, 6400)}


@pytest.mark.parametrize(("profile", "totals"), PROFILES.items())
def test_profile_imports_to_a_stack_with_its_totals(
    profile: str, totals: tuple[int, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = TOPOLOGIES / f"{profile}.json"
    code = main(["import-topology", str(source), "--stack", profile, "--stacks-dir", str(tmp_path)])
    assert code == 0
    stack_file = tmp_path / f"Pulumi.{profile}.yaml"
    spec = load_stack_file(stack_file)
    assert (spec.total_nodes, spec.total_gpus) == totals
    assert spec.pools == check_pools(json.loads(source.read_text())["pools"], "json").pools
    output = capsys.readouterr().out
    assert "".join(output.split()).startswith(f"{stack_file}:valid")  # rich may wrap the title
    assert table_rows(output)["total"] == [str(total) for total in totals]


def test_written_stack_is_readable_and_says_where_it_came_from(tmp_path: Path) -> None:
    source = TOPOLOGIES / "small.json"
    assert (
        main(["import-topology", str(source), "--stack", "lab", "--stacks-dir", str(tmp_path)]) == 0
    )
    text = (tmp_path / "Pulumi.lab.yaml").read_text(encoding="utf-8")
    header = " ".join(line.removeprefix("# ") for line in text.split("config:")[0].splitlines())
    assert header.startswith(f"Written by gpu-fleet import-topology from {source}. ")
    assert "Topology small: Laptop-safe 5-node baseline: 32 fake GPUs" in header
    config = yaml.safe_load(text)["config"]
    assert list(config) == ["gpu-fleet:cluster", "gpu-fleet:pools"]
    assert config["gpu-fleet:cluster"] == {"mode": "kind", "name": "gpu-fleet-lab"}
    assert config["gpu-fleet:pools"] == json.loads(source.read_text())["pools"]
    assert "  gpu-fleet:pools:\n    a100:\n      nodes: 2\n      gpusPerNode: 8\n" in text


@pytest.mark.parametrize(("profile", "operator"), [("small", None), ("medium", "0.0.67")])
def test_operator_with_a_shared_exporter_is_chosen_for_large_fleets(
    profile: str, operator: str | None, tmp_path: Path
) -> None:
    source = str(TOPOLOGIES / f"{profile}.json")
    assert main(["import-topology", source, "--stack", "s", "--stacks-dir", str(tmp_path)]) == 0
    text = (tmp_path / "Pulumi.s.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)["config"]
    if operator is None:
        assert "gpu-fleet:operator" not in config
        assert load_stack_file(tmp_path / "Pulumi.s.yaml").operator.version == "0.0.59"
    else:
        assert config["gpu-fleet:operator"] == {"version": operator}
        assert "too few for 160 fake nodes" in " ".join(text.replace("# ", "").split())


def test_cluster_name_option(tmp_path: Path) -> None:
    source = str(TOPOLOGIES / "small.json")
    args = ["import-topology", source, "--stack", "Lab_1", "--stacks-dir", str(tmp_path)]
    assert main(args) == 0
    cluster = load_stack_file(tmp_path / "Pulumi.Lab_1.yaml").cluster
    assert isinstance(cluster, KindClusterSpec)
    assert cluster.name == "gpu-fleet-lab-1"
    assert main([*args, "--force", "--cluster-name", "ai-factory-lab"]) == 0
    cluster = load_stack_file(tmp_path / "Pulumi.Lab_1.yaml").cluster
    assert isinstance(cluster, KindClusterSpec)
    assert cluster.name == "ai-factory-lab"


def test_invalid_cluster_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(TOPOLOGIES / "small.json")
    args = ["import-topology", source, "--stack", "s", "--stacks-dir", str(tmp_path)]
    assert main([*args, "--cluster-name", "Not_A_Label"]) == EXIT_BAD_INPUT
    assert "gpu-fleet:cluster.name: must be a DNS label" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_existing_stack_is_not_overwritten_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_file = tmp_path / "Pulumi.lab.yaml"
    stack_file.write_text("# mine\n", encoding="utf-8")
    args = ["import-topology", str(TOPOLOGIES / "small.json"), "--stack", "lab"]
    assert main([*args, "--stacks-dir", str(tmp_path)]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.err == f"{stack_file}: already exists; pass --force to replace it\n"
    assert captured.out == ""
    assert stack_file.read_text(encoding="utf-8") == "# mine\n"
    assert main([*args, "--stacks-dir", str(tmp_path), "--force"]) == 0
    assert load_stack_file(stack_file).total_gpus == 32


def test_stacks_dir_is_created(tmp_path: Path) -> None:
    stacks = tmp_path / "new" / "stacks"
    source = str(TOPOLOGIES / "small.json")
    assert main(["import-topology", source, "--stack", "s", "--stacks-dir", str(stacks)]) == 0
    assert (stacks / "Pulumi.s.yaml").is_file()


@pytest.mark.parametrize("stack", ["a/b", "../up", ".hidden", "with space", ""])
def test_stack_name_must_be_a_pulumi_stack_name(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(TOPOLOGIES / "small.json")
    code = main(["import-topology", source, "--stack", stack, "--stacks-dir", str(tmp_path)])
    assert code == EXIT_BAD_INPUT
    assert f"stack name {stack!r}: may only contain letters" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def _pool(**changes: Any) -> dict[str, Any]:
    pool = {
        "nodes": 2,
        "gpusPerNode": 8,
        "gpuMemoryMiB": 81920,
        "product": "NVIDIA-A100-SXM4-80GB",
        "cpu": 96,
        "memory": "1024Gi",
    }
    pool.update(changes)
    return {key: value for key, value in pool.items() if value is not None}


def _topology(pools: Any) -> str:
    return json.dumps({"name": "t", "pools": pools})


MALFORMED = {
    "not-json": ("{pools: {}}", "not valid JSON: line 1, column 2"),
    "empty-file": ("", "not valid JSON: line 1, column 1"),
    "top-level-list": ("[]", "expected a JSON object with `pools`"),
    "pools-missing": ('{"name": "t"}', "pools: required key is missing"),
    "pools-list": ('{"pools": []}', "pools: Input should be a valid dictionary"),
    "pools-empty": ('{"pools": {}}', "pools: Dictionary should have at least 1 item"),
    "unknown-top-key": ('{"pool": {}, "pools": {}}', "pool: unknown key"),
    "name-not-string": ('{"name": 1, "pools": {}}', "name: must be a string (got 1)"),
    "duplicate-pool": (
        '{"pools": {"a100": {}, "a100": {}}}',
        "not valid JSON: key 'a100' is given twice",
    ),
    "nodes-missing": (_topology({"a100": _pool(nodes=None)}), "pools.a100.nodes: required key"),
    "product-missing": (
        _topology({"a100": _pool(product=None)}),
        "pools.a100.product: required key is missing",
    ),
    "nodes-string": (
        _topology({"a100": _pool(nodes="2")}),
        "pools.a100.nodes: Input should be a valid integer (got '2')",
    ),
    "nodes-fraction": (
        _topology({"a100": _pool(nodes=2.5)}),
        "pools.a100.nodes: Input should be a valid integer (got 2.5)",
    ),
    "nodes-boolean": (
        _topology({"a100": _pool(nodes=True)}),
        "pools.a100.nodes: Input should be a valid integer (got True)",
    ),
    "nodes-zero": (
        _topology({"a100": _pool(nodes=0)}),
        "pools.a100.nodes: Input should be greater than or equal to 1 (got 0)",
    ),
    "gpus-negative": (
        _topology({"a100": _pool(gpusPerNode=-8)}),
        "pools.a100.gpusPerNode: Input should be greater than or equal to 1 (got -8)",
    ),
    "memory-mib-zero": (
        _topology({"a100": _pool(gpuMemoryMiB=0)}),
        "pools.a100.gpuMemoryMiB: Input should be greater than or equal to 1024 (got 0)",
    ),
    "cpu-string": (
        _topology({"a100": _pool(cpu="96")}),
        "pools.a100.cpu: Input should be a valid integer (got '96')",
    ),
    "memory-number": (
        _topology({"a100": _pool(memory=1024)}),
        "pools.a100.memory: text is expected, not a number (1024): "
        'write it in quotes, memory: "1024"',
    ),
    "unknown-pool-key": (
        _topology({"a100": _pool(gpus=16)}),
        "pools.a100.gpus: unknown key; valid keys here: nodes, gpusPerNode",
    ),
    "pool-name-uppercase": (
        _topology({"A100": _pool()}),
        "pools.A100 (the key itself): pool names become node names",
    ),
    "unknown-product-without-memory": (
        _topology({"b200": _pool(product="NVIDIA-B200", gpuMemoryMiB=None)}),
        "pools.b200.gpuMemoryMiB: product 'NVIDIA-B200' is not in the catalog",
    ),
    "fleet-too-large": (
        _topology({"a": _pool(nodes=12_000), "b": _pool(nodes=1)}),
        "pools: the pools add up to 12001 fake nodes; at most 12,000",
    ),
}


@pytest.mark.parametrize(("text", "expected"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_topology_is_refused_naming_the_field(
    text: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "topology.json"
    source.write_text(text, encoding="utf-8")
    stacks = tmp_path / "stacks"
    args = ["import-topology", str(source), "--stack", "s", "--stacks-dir", str(stacks)]
    assert main(args) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{source}: ")
    assert expected in captured.err
    assert "Traceback" not in captured.err
    assert not stacks.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        (b"\xfe{}", "not UTF-8 text: line 1, byte offset 0 (byte 0xfe)"),
    ],
)
def test_unreadable_topology(
    content: bytes | None, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "topology.json"
    if content is not None:
        source.write_bytes(content)
    args = ["import-topology", str(source), "--stack", "s", "--stacks-dir", str(tmp_path)]
    assert main(args) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == f"{source}: {expected}\n"


def test_module_entry_point(tmp_path: Path) -> None:
    source = TOPOLOGIES / "large-1k.json"
    command = [sys.executable, "-m", "fleet", "import-topology", str(source), "--stack", "big"]
    command += ["--stacks-dir", str(tmp_path)]
    ok = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "6400" in ok.stdout
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == EXIT_BAD_INPUT
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr


def test_header_keeps_a_hyphenated_source_path_whole(tmp_path: Path) -> None:
    """Comment lines wrap between words, never inside a path at its hyphens."""
    source = tmp_path / "a-long-hyphenated-folder-name-for-the-lab" / "small-topology.json"
    source.parent.mkdir()
    source.write_text((TOPOLOGIES / "small.json").read_text())
    assert (
        main(["import-topology", str(source), "--stack", "lab", "--stacks-dir", str(tmp_path)]) == 0
    )
    text = (tmp_path / "Pulumi.lab.yaml").read_text(encoding="utf-8")
    assert str(source) in text


def test_a_fleet_too_large_for_a_resource_per_node_gets_one_per_pool(tmp_path: Path) -> None:
    source = tmp_path / "big.json"
    source.write_text(_topology({"a": _pool(nodes=2500), "b": _pool(nodes=500)}))
    assert (
        main(["import-topology", str(source), "--stack", "big", "--stacks-dir", str(tmp_path)]) == 0
    )
    text = (tmp_path / "Pulumi.big.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text)["config"]["gpu-fleet:nodeResources"] == "perPool"
    assert "more than the 2000 a Pulumi resource per node" in " ".join(
        text.replace("# ", "").split()
    )
    assert load_stack_file(tmp_path / "Pulumi.big.yaml").total_nodes == 3000
