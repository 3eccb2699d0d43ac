"""Figures README and docs state, held to the code they describe: node limits, the Limits
table and the resource counts of the benchmark section."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.bench import register, spec_of
from fleet.files import files_in
from fleet.stack.load import MAX_PROBLEMS
from fleet.stack.spec import (
    MAX_FAKE_NODES,
    MAX_GPUS_PER_NODE,
    MAX_PER_NODE_RESOURCES,
    MAX_QUANTITY_CHARS,
    MAX_REFERENCE_CHARS,
)
from tests.paths import ROOT

README = ROOT / "README.md"
NO_STACK = ["--stack", "bad", "--stacks-dir", "/nonexistent"]


def prose(path: Path) -> str:
    """A document's text with its line breaks and runs of spaces made single spaces."""
    return " ".join(path.read_text(encoding="utf-8").split())


def limits_table() -> dict[str, str]:
    """README's Limits table: what -> limit."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Limits", 1)[1].split("\n\n| what | limit |\n", 1)[1]
    rows = section.split("\n\n", 1)[0].splitlines()[1:]
    return dict(tuple(cell.strip() for cell in row.strip("|").split(" | ")) for row in rows)  # type: ignore[misc]


def test_the_limits_table_states_the_codes_limits() -> None:
    table = limits_table()
    mib = files_in.MIB
    assert table[
        "size of a stack, topology, nvidia-smi or kubeconfig file (or standard input)"
    ] == (f"{files_in.MAX_TEXT_BYTES // mib} MiB")
    assert table["size of `evidence.json`"] == f"{files_in.MAX_EVIDENCE_BYTES // mib} MiB"
    assert table["nesting of mappings and lists (YAML and JSON)"] == f"{files_in.MAX_DEPTH} levels"
    assert table["values in a YAML file, each alias counted as what it expands to"].startswith(
        f"{files_in.MAX_YAML_VALUES:,} "
    )
    assert (
        table["values in a JSON file; objects and lists (brackets counted before parsing)"]
        == f"{files_in.MAX_JSON_VALUES:,} each"
    )
    assert files_in.MAX_JSON_COLLECTIONS == files_in.MAX_JSON_VALUES
    evidence = (
        "values in `evidence.json`; its objects and lists (a 12,000-node DRA fleet with a "
        "100,000-pod queue has about 1.9 million and 456,000)"
    )
    assert table[evidence] == (
        f"{files_in.MAX_EVIDENCE_VALUES:,}; {files_in.MAX_EVIDENCE_COLLECTIONS:,}"
    )
    assert table["length of a number"].startswith(f"{files_in.MAX_NUMBER_CHARS} characters")
    assert table["pools in one fleet"].startswith(f"{MAX_FAKE_NODES:,} ")
    assert table["free-text spec values (images, charts, paths, contexts)"] == (
        f"{MAX_REFERENCE_CHARS:,} characters; `memory` {MAX_QUANTITY_CHARS}"
    )
    assert table["`demo.oversizedGpus`"] == (
        f"{MAX_FAKE_NODES * MAX_GPUS_PER_NODE:,} ({MAX_FAKE_NODES:,} nodes x "
        f"{MAX_GPUS_PER_NODE} GPUs)"
    )
    assert table["a value repeated in an error message"].startswith(
        f"{files_in.MAX_ECHO} characters"
    )
    assert table["problems listed per message"].startswith(f"{MAX_PROBLEMS}, ")


@pytest.mark.parametrize(
    ("document", "statement"),
    [
        (README, f"fleets over {MAX_FAKE_NODES:,} fake nodes"),
        (README, f"fleets over {MAX_PER_NODE_RESOURCES:,} with `nodeResources: perNode`"),
        (README, f"perNode (default, up to {MAX_PER_NODE_RESOURCES:,} nodes)"),
        (README, f"perPool (up to {MAX_FAKE_NODES:,})"),
        (README, f"gpusPerNode: 8 # 1..{MAX_GPUS_PER_NODE}"),
        (
            README,
            f"stops at {MAX_PER_NODE_RESOURCES:,} nodes; `perPool` goes to {MAX_FAKE_NODES:,}",
        ),
        (ROOT / "docs" / "fleet.md", f"At most {MAX_FAKE_NODES:,} fake nodes per fleet"),
        (
            ROOT / "docs" / "fleet.md",
            f"and {MAX_PER_NODE_RESOURCES:,} with `nodeResources: perNode`",
        ),
        (ROOT / "docs" / "fleet.md", f"{MAX_GPUS_PER_NODE} GPUs per node"),
        (ROOT / "docs" / "import.md", f"more than {MAX_PER_NODE_RESOURCES:,} fake nodes"),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else value[:40],
)
def test_node_limits_stated_in_the_docs_are_the_codes(document: Path, statement: str) -> None:
    assert statement in prose(document)


BENCH_ROW = re.compile(
    r"`(?P<stack>[a-z0-9-]+)` \((?P<nodes>[\d,]+) nodes, (?P<resources>[\d,]+) resources"
)


def test_the_benchmarks_resource_counts_are_what_the_program_registers() -> None:
    rows = {m["stack"]: m for m in BENCH_ROW.finditer(README.read_text(encoding="utf-8"))}
    assert sorted(rows) == ["large-1k", "lesson1", "medium"]
    for stack, row in rows.items():
        spec = spec_of(stack)
        assert int(row["nodes"].replace(",", "")) == spec.total_nodes, stack
        registered = len(register(spec).registrations)
        assert int(row["resources"].replace(",", "")) == registered, stack


def test_the_bad_topology_example_of_docs_import_prints_what_it_shows() -> None:
    text = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    block = text.split("$ venv/bin/gpu-fleet import-topology examples/topology-bad.json", 1)[1]
    shown = block.split("```", 1)[0].strip().splitlines()[1:]
    run = subprocess.run(
        [sys.executable, "-m", "fleet", "import-topology", "examples/topology-bad.json", *NO_STACK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == shown
