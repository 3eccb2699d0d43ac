"""Figures README and docs state, held to the code they describe (node limits, the Limits
table, the benchmark's resource counts, the stacks table) and to the results files of the
benchmarks that measured them (every figure of a benchmark table, checked against its JSON).
"""

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from benchmarks.bench import register, spec_of
from fleet.comparison.rows import markdown_table
from fleet.files import files_in
from fleet.stack.load import MAX_PROBLEMS, load_stack_file
from fleet.stack.spec import (
    MAX_FAKE_NODES,
    MAX_GPUS_PER_NODE,
    MAX_PER_NODE_RESOURCES,
    MAX_QUANTITY_CHARS,
    MAX_REFERENCE_CHARS,
)
from tests.paths import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
RESULTS = ROOT / "benchmarks" / "results"
STACK_FILE_DOC = DOCS / "stack-file.md"


def prose(path: Path) -> str:
    """A document's text with its line breaks and runs of spaces made single spaces."""
    return " ".join(path.read_text(encoding="utf-8").split())


def limits_table() -> dict[str, str]:
    """The Limits table of docs/stack-file.md: what -> limit."""
    text = STACK_FILE_DOC.read_text(encoding="utf-8")
    section = text.split("## Limits", 1)[1].split("\n\n| what | limit |\n", 1)[1]
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
        (STACK_FILE_DOC, f"fleets over {MAX_FAKE_NODES:,} fake nodes"),
        (STACK_FILE_DOC, f"fleets over {MAX_PER_NODE_RESOURCES:,} with `nodeResources: perNode`"),
        (STACK_FILE_DOC, f"perNode (default, up to {MAX_PER_NODE_RESOURCES:,} nodes)"),
        (STACK_FILE_DOC, f"perPool (up to {MAX_FAKE_NODES:,})"),
        (STACK_FILE_DOC, f"gpusPerNode: 8 # 1..{MAX_GPUS_PER_NODE}"),
        (README, f"fleets of up to {MAX_FAKE_NODES:,} fake nodes with `nodeResources: perPool`"),
        (
            DOCS / "scale.md",
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
    text = (DOCS / "benchmarks.md").read_text(encoding="utf-8")
    rows = {m["stack"]: m for m in BENCH_ROW.finditer(text)}
    assert sorted(rows) == ["large-1k", "lesson1", "medium"]
    for stack, row in rows.items():
        spec = spec_of(stack)
        assert int(row["nodes"].replace(",", "")) == spec.total_nodes, stack
        registered = len(register(spec).registrations)
        assert int(row["resources"].replace(",", "")) == registered, stack


def test_the_stacks_table_of_readme_is_the_stack_files() -> None:
    _, rows = table(README, "| stack | fake nodes | GPUs |")
    assert rows, "README: no stacks table"
    for stack, nodes, gpus, *_ in rows:
        spec = load_stack_file(ROOT / "stacks" / f"Pulumi.{stack.strip('`')}.yaml")
        assert (number(nodes), number(gpus)) == (spec.total_nodes, spec.total_gpus), stack


# -- benchmark tables against their results files -------------------------------------------

NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
Figures = dict[str, float]


def number(text: str) -> float:
    return float(text.replace(",", ""))


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split(" | ")]


def table(document: Path, header: str) -> tuple[list[str], list[list[str]]]:
    """The header cells and the rows of the table in `document` whose header line starts
    with `header`."""
    lines = document.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(header)]
    assert len(starts) == 1, f"{document.name}: {len(starts)} tables start {header!r}"
    rows = []
    for line in lines[starts[0] + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(cells(line))
    return cells(lines[starts[0]]), rows


def _pick(metric: str, figures: Figures) -> float | None:
    """The first of `a|b|...` the results hold (a later figure that supersedes an earlier)."""
    for name in metric.split("|"):
        if figures.get(name) is not None:
            return figures[name]
    return None


def _shows(text: str, value: float) -> bool:
    """`text` is `value` rounded to the digits it shows."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(number(text) - value) <= 0.5 * 10.0**-decimals + 1e-9


def check_cell(cell: str, metrics: Sequence[str], figures: Figures, where: str) -> None:
    """Every number of `cell` is its metric's value as rounded; a cell without numbers
    (`-`) stands for figures the results do not have."""
    shown = NUMBER.findall(cell)
    if not shown:
        assert all(_pick(metric, figures) is None for metric in metrics), f"{where}: {cell}"
        return
    assert len(shown) == len(metrics), f"{where}: {cell!r} against {metrics}"
    for text, metric in zip(shown, metrics, strict=True):
        value = _pick(metric, figures)
        assert value is not None, f"{where}: {metric} is not in the results"
        assert _shows(text, value), f"{where}: {metric} is {value}, shown {text}"


def fleet_scale() -> dict[tuple[int, str], Figures]:
    """bench-fleet's figures per (nodes, offer)."""
    columns: dict[tuple[int, str], Figures] = {}
    for row in json.loads((RESULTS / "fleet-scale.json").read_text(encoding="utf-8")):
        columns.setdefault((row["nodes"], row["offer"]), {})[row["metric"]] = row["value"]
    return columns


PROCESSES = ("apiserver", "etcd", "kwok", "operator", "scheduler", "controller_manager")
FLEET_SCALE_ROWS = {
    "load average at start / end": ["load_average_1m_start", "load_average_1m_end"],
    "KWOK controllers": ["kwok_controllers"],
    "`gpu-fleet expect`: Running / Pending": ["expected_running", "expected_pending"],
    "`pulumi up` (whole stack)": ["pulumi_up_s"],
    "`nodes_ready_s`": ["nodes_ready_s"],
    "`gpus_advertised_s` (every node)": ["gpus_advertised_s"],
    "nodes offering GPUs (devicePlugin) or with a ResourceSlice (dra), within 900 s": [
        "gpus_advertised_nodes"
    ],
    "queue pods created per s": ["queue_pods_created_per_s"],
    "queue pods bound (dra: their claims allocated)": ["queue_pods_bound_server|queue_pods_bound"],
    "`pods_bound_per_s` (queue)": ["pods_bound_per_s_server|pods_bound_per_s"],
    "bind p50 / `bind_p99_s`": ["bind_p50_s_server|bind_p50_s", "bind_p99_s_server|bind_p99_s"],
    "`all_running_s`": ["all_running_s_server|all_running_s"],
    "observed Running": ["observed_running_server|observed_running"],
    "`report_pass` (observed = `gpu-fleet expect`)": ["report_pass"],
    "operator: `topology-<node>` ConfigMaps / Deployments / ResourceSlices": [
        "operator_node_configmaps",
        "operator_deployments",
        "resource_slices",
    ],
    "`evidence_s` / `report_s`": ["evidence_s", "report_s"],
    "hold: from the first node to the last reading": ["hold_s"],
    "Ready at the end of the hold": ["ready_nodes_after_hold"],
    "nodes seen to turn NotReady once Ready (at least)": ["nodes_not_ready_after_ready"],
    "Leases renewed within 40 s at the end": ["leases_renewed_in_lease_duration"],
    "memory: API server / etcd / KWOK / operator / scheduler / controller-manager": [
        f"{process}_rss_mib" for process in PROCESSES
    ],
    "CPU: API server / etcd / KWOK / operator / scheduler / controller-manager": [
        f"{process}_cpu_s" for process in PROCESSES
    ],
}
QUEUE_AFTER_GPUS_ROWS = {
    "GPUs on every node (no queue yet)": ["gpus_advertised_s"],
    "queue pods created per s": ["queue_pods_created_per_s"],
    "`pods_bound_per_s`": ["pods_bound_per_s"],
    "bind p50 / p99": ["bind_p50_s", "bind_p99_s"],
    "`all_running_s` (from the first demo pod)": ["all_running_s"],
    "scheduler / API server / KWOK CPU over the run": [
        "scheduler_cpu_s",
        "apiserver_cpu_s",
        "kwok_cpu_s",
    ],
    "nodes seen to turn NotReady once Ready (at least)": ["nodes_not_ready_after_ready"],
}
OFFERS = {
    "devicePlugin": "devicePlugin",
    "dra": "dra",
    "device plugin": "devicePlugin",
    "DRA": "dra",
}


def _column(heading: str) -> tuple[int, str]:
    nodes, offer = heading.split(" ", 1)
    return int(number(nodes)), OFFERS[offer]


def test_bench_fleet_table_is_its_results_file() -> None:
    header, rows = table(RESULTS / "fleet-scale.md", "| metric | 1,000 devicePlugin")
    columns = [_column(heading) for heading in header[1:-1]]
    figures = fleet_scale()
    assert sorted(columns) == sorted(figures)
    assert [row[0] for row in rows] == list(FLEET_SCALE_ROWS)
    for label, *values, unit in rows:
        assert len(values) == len(columns), f"{label}: {len(values)} cells, unit {unit!r}"
        assert unit, f"{label}: no unit"
        for column, cell in zip(columns, values, strict=True):
            check_cell(cell, FLEET_SCALE_ROWS[label], figures[column], f"{label} at {column}")


def test_bench_fleet_queue_after_gpus_table_is_its_results_file() -> None:
    header, rows = table(RESULTS / "fleet-scale.md", "| 5,000 nodes | device plugin | DRA |")
    columns = [(5000, OFFERS[heading]) for heading in header[1:-1]]
    figures = fleet_scale()
    assert [row[0] for row in rows] == list(QUEUE_AFTER_GPUS_ROWS)
    for label, *values, unit in rows:
        assert len(values) == len(columns), label
        assert unit, f"{label}: no unit"
        metrics = [f"{metric}_queue_after_gpus" for metric in QUEUE_AFTER_GPUS_ROWS[label]]
        for column, cell in zip(columns, values, strict=True):
            check_cell(cell, metrics, figures[column], f"{label} at {column}")


README_HEADLINE = [
    "pulumi_up_s",
    "nodes_ready_s",
    "pods_bound_per_s",
    "all_running_s",
    "report_pass",
]


def test_readme_headline_figures_are_bench_fleets() -> None:
    header, rows = table(README, "| fake nodes, device plugin |")
    assert len(header) == len(README_HEADLINE) + 1
    figures = fleet_scale()
    for nodes, *values in rows:
        column = (int(number(nodes)), "devicePlugin")
        for metric, cell in zip(README_HEADLINE, values, strict=True):
            check_cell(cell, [metric], figures[column], f"README headline {column}")
    lost = figures[(10000, "devicePlugin")]["nodes_not_ready_after_ready"]
    assert f"at least {lost:,} nodes turned NotReady" in prose(README)


E2E_OPERATIONS = {
    "up": "up",
    "up --refresh, nothing changed (kubectl: diff)": "up-refresh-no-change",
    "no-op up (sends no request: the engine's fixed cost)": "no-op-up-no-request",
    "preview of +2 nodes (named both)": "preview-plus-2",
    "up of +2 nodes": "up-plus-2",
    "destroy": "destroy",
}
# The committed run's floor is not a like-for-like lower bound, so its ratio is not shown.
E2E_COLUMNS = ["seconds", "floor_seconds", "baseline_seconds", "ratio_to_kubectl"]
E2E_MEMORY = {
    "engine": "engine (pulumi CLI)",
    "program": "program (Python)",
    "dynamic provider": "dynamic provider (Python)",
    "kubernetes provider": "kubernetes provider",
    "language host": "language host",
    "all at once": "all at once",
}


def test_bench_e2e_table_and_memory_are_its_results_files() -> None:
    document = RESULTS / "e2e-scale.md"
    _, rows = table(document, "| nodes | operation | pulumi (s) |")
    results = json.loads((RESULTS / "e2e-scale.json").read_text(encoding="utf-8"))
    found = {(row["nodes"], row["operation"]): row for row in results}
    assert len(rows) == len(found)
    for nodes, operation, *values in rows:
        row = found[(int(number(nodes)), E2E_OPERATIONS[operation])]
        for column, cell in zip(E2E_COLUMNS, values, strict=True):
            check_cell(cell, [column], row, f"{operation} {column}")
    memory = json.loads((RESULTS / "e2e-scale-memory.json").read_text(encoding="utf-8"))
    [(nodes_text, peaks)] = memory.items()
    text = prose(document)
    for shown, name in E2E_MEMORY.items():
        figure = (
            f"{round(peaks[name])} {shown}"
            if shown == "all at once"
            else f"{shown} {round(peaks[name])}"
        )
        assert figure in text, figure
    assert f"| {int(nodes_text):,} |" in document.read_text(encoding="utf-8")


def test_bench_schedulers_table_is_generated_from_its_results_file() -> None:
    rows = json.loads((RESULTS / "schedulers.json").read_text(encoding="utf-8"))
    document = (RESULTS / "schedulers.md").read_text(encoding="utf-8")
    assert "\n".join(markdown_table(rows)) in document


KWOK_SHARDS_COLUMNS = [
    ["create_s"],
    ["nodes_ready_s"],
    ["ready_nodes_after_hold", "hold_s"],
    ["leases_renewed_in_lease_duration"],
    ["kwok_rss_mib", "kwok_cpu_s"],
    ["apiserver_rss_mib", "apiserver_cpu_s"],
    ["load_average_1m_start", "load_average_1m_end"],
]
# A run made before the benchmark wrote a results file; the write-up says so.
KWOK_SHARDS_UNRECORDED = "1 (first run)"


def test_kwok_shards_table_is_its_results_file() -> None:
    document = RESULTS / "kwok-shards.md"
    _, rows = table(document, "| controllers for 10,000 nodes |")
    runs = json.loads((RESULTS / "kwok-shards.json").read_text(encoding="utf-8"))
    by_controllers = {run["controllers"]: run for run in runs if run["nodes"] == 10000}
    recorded = [row for row in rows if row[0] != KWOK_SHARDS_UNRECORDED]
    assert len(recorded) == len(rows) - 1 == len(by_controllers)
    assert "The\nfirst run was made before the benchmark wrote a results file" in (
        document.read_text(encoding="utf-8")
    )
    for label, *values in recorded:
        numbers = NUMBER.findall(label)
        run = by_controllers[int(number(numbers[0]))]
        if len(numbers) > 1:
            assert number(numbers[1]) == run["nodes_per_controller"], label
        for metrics, cell in zip(KWOK_SHARDS_COLUMNS, values, strict=True):
            check_cell(cell, metrics, run, f"{label}: {cell}")


# Tables of measured figures that no results file holds, each said so beside it.
UNRECORDED = {
    (DOCS / "benchmarks.md", "| operation | median | per node |"): "writes no results file",
    (RESULTS / "e2e-scale.md", "| how the 1,000 nodes were sent |"): "no results file holds them",
    (DOCS / "testing.md", "| file | what it proves |"): "no results file holds them",
    (DOCS / "testing.md", "| step | cold | warm |"): "no results file holds them",
    (
        RESULTS / "schedulers.md",
        "| | default | kueue | kai |",
    ): "schedulers.json does not hold them",
    (
        RESULTS / "schedulers.md",
        "| metric | unit | default before -> now |",
    ): "not in schedulers.json",
}
CHECKED = {
    (README, "| fake nodes, device plugin |"),
    (RESULTS / "fleet-scale.md", "| metric | 1,000 devicePlugin"),
    (RESULTS / "fleet-scale.md", "| 5,000 nodes | device plugin | DRA |"),
    (RESULTS / "e2e-scale.md", "| nodes | operation | pulumi (s) |"),
    (RESULTS / "schedulers.md", "| metric | unit | default | kueue | kai |"),
    (RESULTS / "kwok-shards.md", "| controllers for 10,000 nodes |"),
    # tests/spec/test_replay_results.py: the tables benchmarks/replay_table.py makes.
    (RESULTS / "replay.md", "| figure | unit |"),
    (RESULTS / "replay.md", "| process |"),
}
# Tables of these documents that state no measured figure.
NO_FIGURES = {
    (DOCS / "benchmarks.md", "| command | what it measures | results | write-up |"),
    (DOCS / "testing.md", "| tier | command | what runs | needs |"),
    (RESULTS / "e2e-scale.md", "| | committed run (2026-11-30) | now |"),
    (RESULTS / "replay.md", "| setting | value | why |"),
}


@pytest.mark.parametrize(
    "document",
    [DOCS / "benchmarks.md", DOCS / "testing.md", *sorted(RESULTS.glob("*.md"))],
    ids=lambda document: document.name,
)
def test_every_benchmark_table_is_checked_or_says_it_has_no_results_file(document: Path) -> None:
    headers = [
        line
        for line, following in zip(
            document.read_text(encoding="utf-8").splitlines(),
            document.read_text(encoding="utf-8").splitlines()[1:],
            strict=False,
        )
        if line.startswith("| ") and following.startswith("|-")
    ]
    for header in headers:
        known = [
            key
            for key in CHECKED | NO_FIGURES | set(UNRECORDED)
            if key[0] == document and header.startswith(key[1])
        ]
        assert known, f"{document.name}: table {header!r} is neither checked nor said unrecorded"
        for key in known:
            if key in UNRECORDED:
                assert UNRECORDED[key] in prose(document), key
