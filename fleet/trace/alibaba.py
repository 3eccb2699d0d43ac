"""Import the layout of Alibaba's cluster-trace-gpu-v2023: a fleet and a trace (docs/replay.md).

Node list (`openb_node_list_gpu_node.csv`): `sn, cpu_milli, memory_mib, gpu, model`.
Pod list (`openb_pod_list_default.csv`): `name, cpu_milli, memory_mib, num_gpu, gpu_milli,
gpu_spec, qos, pod_phase, creation_time, deletion_time, scheduled_time`, times in seconds
from the trace's start; `gpu_spec` lists the GPU models a pod accepts, separated by `|`.

What the fleet cannot express is decided here, and counted in `AlibabaImport.notes`:
- nodes become pools by (GPU model, GPUs per node), each with the most common CPU and
  memory of its nodes; GPU-less nodes are left out;
- CPU-only pods (`num_gpu` 0) are left out: the replay rehearses GPUs;
- a fractional pod (`num_gpu` 1, `gpu_milli` below 1000) asks for one whole GPU, as the
  device plugin hands out whole GPUs only (GPU sharing is not modelled);
- a pod never scheduled (no `scheduled_time`) is left out: its run time is unknown;
- a pod with no `deletion_time` runs until the trace's last recorded time;
- CPU and memory requests are not carried over: replay pods ask for GPUs only.
"""

import csv
import io
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fleet.files import files_in
from fleet.imports.pools import InputError, check_pools
from fleet.stack import catalog
from fleet.stack.spec import MAX_GPUS_PER_NODE
from fleet.trace.csv_file import MAX_TRACE_BYTES
from fleet.trace.model import MAX_TRACE_ROWS, TraceRow

NODE_COLUMNS = ("sn", "cpu_milli", "memory_mib", "gpu", "model")
POD_COLUMNS = (
    "name",
    "cpu_milli",
    "memory_mib",
    "num_gpu",
    "gpu_milli",
    "gpu_spec",
    "qos",
    "pod_phase",
    "creation_time",
    "deletion_time",
    "scheduled_time",
)
# The trace's GPU model names, as GPU Feature Discovery would label them, with their
# memory (MiB, as nvidia-smi reports it). A model not listed keeps its own name as its
# product and gets UNKNOWN_MEMORY_MIB, said in the notes.
MODELS = {
    "V100M16": catalog.GpuProduct("Tesla-V100-SXM2-16GB", 16160),
    "V100M32": catalog.GpuProduct("Tesla-V100-SXM2-32GB", 32510),
    "P100": catalog.GpuProduct("Tesla-P100-PCIE-16GB", 16280),
    "T4": catalog.GpuProduct("Tesla-T4", 15360),
    "A10": catalog.GpuProduct("NVIDIA-A10", 22731),
}
UNKNOWN_MEMORY_MIB = 16384
NO_VALUE = ("", "nan", "none", "null")


@dataclass
class AlibabaImport:
    pools: dict[str, dict[str, Any]]
    """Stack-file pools, keyed by pool name (validated)."""
    rows: list[TraceRow]
    notes: list[str] = field(default_factory=list)


def product_of(model: str) -> catalog.GpuProduct:
    known = MODELS.get(model)
    return known or catalog.GpuProduct(model, UNKNOWN_MEMORY_MIB)


def pool_name(model: str, gpus: int) -> str:
    return f"{re.sub(r'[^a-z0-9]+', '-', model.lower()).strip('-')}-{gpus}g"


def _read_rows(path: str | Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    source = files_in.source_name(path)
    reader = csv.DictReader(io.StringIO(files_in.read_text(path, MAX_TRACE_BYTES)))
    missing = [name for name in columns if name not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            source,
            [
                f"line 1: missing column {name!r} (expected {', '.join(columns)})"
                for name in missing
            ],
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for cells in reader:
        if len(rows) >= MAX_TRACE_ROWS:
            raise InputError(source, [f"more than {MAX_TRACE_ROWS:,} rows"])
        rows.append(
            (reader.line_num, {key: (value or "").strip() for key, value in cells.items() if key})
        )
    return rows


def _number(
    source: str, line: int, cells: dict[str, str], column: str, problems: list[str]
) -> float | None:
    """The cell as a number; None when empty/nan; a problem when it is not a number."""
    text = cells.get(column, "")
    if text.lower() in NO_VALUE:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(f"line {line}: {column}: not a number (got {files_in.shorten(text)})")
        return None
    if not math.isfinite(value) or value < 0:
        problems.append(f"line {line}: {column}: must be a finite number >= 0 (got {text})")
        return None
    return value


def read_nodes(path: str | Path) -> tuple[dict[str, dict[str, Any]], set[str], list[str]]:
    """The pools, the GPU models the nodes have, and notes on what was left out."""
    source = files_in.source_name(path)
    problems: list[str] = []
    groups: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    skipped = 0
    for line, cells in _read_rows(path, NODE_COLUMNS):
        gpus = _number(source, line, cells, "gpu", problems)
        cpu = _number(source, line, cells, "cpu_milli", problems)
        memory = _number(source, line, cells, "memory_mib", problems)
        model = cells["model"]
        if gpus is None or gpus == 0 or model.lower() in NO_VALUE:
            skipped += 1
            continue
        if gpus != int(gpus) or gpus > MAX_GPUS_PER_NODE:
            problems.append(
                f"line {line}: gpu: a whole number 1..{MAX_GPUS_PER_NODE} (got {cells['gpu']})"
            )
            continue
        groups[(model, int(gpus))].append(
            (max(1, math.ceil((cpu or 1000) / 1000)), max(1, int(memory or 1024)))
        )
    if problems:
        raise InputError(source, problems)
    if not groups:
        raise InputError(source, ["no GPU nodes (rows with gpu > 0 and a model)"])
    pools: dict[str, dict[str, Any]] = {}
    notes = []
    for (model, gpus), shapes in sorted(groups.items()):
        product = product_of(model)
        cpu, memory = Counter(shapes).most_common(1)[0][0]
        pools[pool_name(model, gpus)] = {
            "nodes": len(shapes),
            "gpusPerNode": gpus,
            "product": product.label,
            "gpuMemoryMiB": product.memory_mib,
            "cpu": cpu,
            "memory": f"{memory}Mi",
        }
        if model not in MODELS:
            notes.append(
                f"GPU model {model!r} is not known: product {model}, "
                f"{UNKNOWN_MEMORY_MIB} MiB assumed"
            )
    if skipped:
        notes.append(f"{skipped} nodes without GPUs left out")
    check_pools(pools, source)
    return pools, {model for model, _ in groups}, notes


def read_pods(path: str | Path, models: set[str]) -> tuple[list[TraceRow], list[str]]:
    source = files_in.source_name(path)
    problems: list[str] = []
    parsed = []
    counts: Counter[str] = Counter()
    last_time = 0.0
    for line, cells in _read_rows(path, POD_COLUMNS):
        values = {
            column: _number(source, line, cells, column, problems)
            for column in (
                "num_gpu",
                "gpu_milli",
                "creation_time",
                "deletion_time",
                "scheduled_time",
            )
        }
        last_time = max(
            [last_time, *(v for k, v in values.items() if k.endswith("_time") and v is not None)]
        )
        parsed.append((line, cells, values))
    if problems:
        raise InputError(source, problems)
    drafts = []
    for line, cells, values in parsed:
        gpus, created, scheduled = (
            values["num_gpu"],
            values["creation_time"],
            values["scheduled_time"],
        )
        if not gpus:
            counts["cpu-only"] += 1
            continue
        if gpus != int(gpus) or gpus > MAX_GPUS_PER_NODE:
            problems.append(
                f"line {line}: num_gpu: a whole number 0..{MAX_GPUS_PER_NODE} "
                f"(got {cells['num_gpu']})"
            )
            continue
        if created is None:
            problems.append(f"line {line}: creation_time: required for a GPU pod")
            continue
        if scheduled is None:
            counts["never scheduled"] += 1
            continue
        if gpus == 1 and (values["gpu_milli"] or 1000) < 1000:
            counts["fractional"] += 1
        deleted = values["deletion_time"]
        if deleted is None:
            counts["still running"] += 1
            deleted = last_time
        spec = [
            part.strip()
            for part in cells["gpu_spec"].split("|")
            if part.strip().lower() not in NO_VALUE
        ]
        unknown = [model for model in spec if model not in models]
        if unknown:
            counts["asks for a model no node has"] += 1
        products = tuple(sorted({product_of(model).label for model in spec}))
        drafts.append((created, cells["name"], int(gpus), products, max(deleted - scheduled, 1.0)))
    if problems:
        raise InputError(source, problems)
    if not drafts:
        raise InputError(source, ["no GPU pods that were scheduled: nothing to replay"])
    start = min(created for created, *_ in drafts)
    names: Counter[str] = Counter()
    rows = []
    for created, name, gpus, products, duration in sorted(drafts, key=lambda draft: draft[0]):
        job = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "pod"
        names[job] += 1
        if names[job] > 1:
            job = f"{job}-{names[job]}"
        rows.append(
            TraceRow(
                arrival_s=round(created - start, 3),
                job=job,
                gpus_per_pod=gpus,
                products=products,
                duration_s=round(duration, 3),
            )
        )
    notes = [f"{count} pods: {why}" for why, count in sorted(counts.items())]
    return rows, notes


def import_alibaba(node_list: str | Path, pod_list: str | Path) -> AlibabaImport:
    pools, models, node_notes = read_nodes(node_list)
    rows, pod_notes = read_pods(pod_list, models)
    return AlibabaImport(pools, rows, node_notes + pod_notes)
