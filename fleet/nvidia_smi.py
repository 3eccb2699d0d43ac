"""Read what `nvidia-smi` says about one node's GPUs.

Three formats are recognised:

- `csv`: `nvidia-smi --query-gpu=name,memory.total --format=csv` (also `noheader`,
  `nounits`, and extra columns when there is a header naming them);
- `list`: `nvidia-smi -L` (names only, no memory);
- `table`: the default `nvidia-smi` table.
"""

import csv
import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from fleet.catalog import product_label
from fleet.pool_input import InputError

QUERY_COMMAND = "nvidia-smi --query-gpu=name,memory.total --format=csv"

_LIST_GPU = re.compile(r"GPU \d+: (?P<name>.+?)(?: \(UUID: [^)]*\))?")
_LIST_MIG = re.compile(r"\s+MIG .*")
# A GPU row of the table: index, name, persistence mode (driver model on Windows).
_TABLE_GPU = re.compile(r"\|\s*\d+\s+(?P<name>.+?)\s+(?:On|Off|WDDM|TCC|MCDM)\s+\|.*")
_TABLE_MEMORY = re.compile(r"\|.*?\d+MiB\s*/\s*(?P<total>\d+)MiB.*")
_TABLE_END = ("| Processes:", "| MIG devices:")
_MIB = re.compile(r"(?P<mib>\d+)(?:\s*MiB)?")
_NOT_REPORTED = ("[N/A]", "[Not Supported]", "N/A")
_FIELD_ALIASES = {"gpu_name": "name"}
# A --query-gpu field as a CSV header names it (without its unit), e.g. pci.bus_id.
_QUERY_FIELD = re.compile(r"[a-z_]+(?:\.[a-z_]+)*")


@dataclass(frozen=True)
class Gpu:
    name: str
    """The NVML device name, such as `NVIDIA H100 80GB HBM3`."""
    memory_mib: int | None
    """`memory.total`; None where the output does not report it (`-L`)."""


@dataclass(frozen=True)
class Reading:
    format: Literal["csv", "list", "table"]
    gpus: tuple[Gpu, ...]


@dataclass(frozen=True)
class NodeGpus:
    """One node's GPUs, all of one model."""

    name: str
    count: int
    memory_mib: int | None


def parse(text: str, source: str) -> Reading:
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError(source, [f"no nvidia-smi output (empty input); run `{QUERY_COMMAND}`"])
    if _LIST_GPU.fullmatch(lines[0]):
        return Reading("list", _parse_list(lines, source))
    if any(line.startswith(("+-", "|")) for line in lines):
        return Reading("table", _parse_table(lines, source))
    if "," in lines[0] or "name" in _header(lines[0]):
        return Reading("csv", _parse_csv(lines, source))
    raise InputError(
        source,
        [
            f"not nvidia-smi output (first line: {lines[0][:80]!r}); expected the output of "
            f"`{QUERY_COMMAND}`, `nvidia-smi -L` or `nvidia-smi`",
        ],
    )


def one_model(reading: Reading, source: str) -> NodeGpus:
    """The node's GPU model, its count and memory; a node with mixed models is an error.

    A pool has one product, so a mixed node cannot be mirrored by one pool.
    """
    counts = Counter(product_label(gpu.name) for gpu in reading.gpus)
    if len(counts) > 1:
        models = ", ".join(f"{count} x {label}" for label, count in counts.items())
        raise InputError(
            source,
            [
                f"mixed GPU models on one node: {models}; a pool has one product and one "
                "GPU count per node, so this node cannot be mirrored by one pool",
            ],
        )
    name = reading.gpus[0].name
    memories = sorted({gpu.memory_mib for gpu in reading.gpus if gpu.memory_mib is not None})
    if len(memories) > 1:
        found = ", ".join(map(str, memories))
        raise InputError(source, [f"the {name} GPUs report different memory.total: {found} MiB"])
    return NodeGpus(name, len(reading.gpus), memories[0] if memories else None)


def _parse_list(lines: list[str], source: str) -> tuple[Gpu, ...]:
    gpus: list[Gpu] = []
    for number, line in enumerate(lines, 1):
        match = _LIST_GPU.fullmatch(line)
        if match:
            gpus.append(Gpu(match["name"].strip(), None))
        elif not _LIST_MIG.fullmatch(line):
            raise InputError(source, [f"line {number}: not `nvidia-smi -L` output: {line!r}"])
    return tuple(gpus)


def _parse_table(lines: list[str], source: str) -> tuple[Gpu, ...]:
    gpus: list[Gpu] = []
    names: list[str] = []
    for line in lines:
        if line.startswith(_TABLE_END):
            break
        gpu_row = _TABLE_GPU.fullmatch(line)
        memory_row = _TABLE_MEMORY.fullmatch(line)
        if gpu_row:
            names.append(gpu_row["name"])
        elif memory_row and len(names) == len(gpus) + 1:
            gpus.append(Gpu(names[-1], int(memory_row["total"])))
    if not names:
        raise InputError(source, ["no GPU rows in the nvidia-smi table"])
    if len(gpus) != len(names):
        raise InputError(source, ["a GPU row of the nvidia-smi table has no memory figure"])
    truncated = [name for name in names if name.endswith("...")]
    if truncated:
        raise InputError(
            source,
            [
                f"the table truncates the GPU name {truncated[0]!r}; "
                f"capture `{QUERY_COMMAND}` instead",
            ],
        )
    return tuple(gpus)


def _parse_csv(lines: list[str], source: str) -> tuple[Gpu, ...]:
    rows = list(csv.reader(lines, skipinitialspace=True))
    fields = _header(lines[0])
    if all(_QUERY_FIELD.fullmatch(field) for field in fields):
        if "name" not in fields:
            raise InputError(
                source,
                [f"the CSV header has no name column ({lines[0]!r}); query name,memory.total"],
            )
        columns = {field: index for index, field in enumerate(fields)}
        first_line, data = 2, rows[1:]
    elif len(fields) == 2:  # --format=csv,noheader of name,memory.total
        columns, first_line, data = {"name": 0, "memory.total": 1}, 1, rows
    else:
        raise InputError(
            source,
            [
                "a CSV without a header must have exactly the columns name, memory.total "
                f"(first line: {lines[0][:80]!r})",
            ],
        )
    if not data:
        raise InputError(source, ["the CSV has a header but no GPU rows"])
    width = len(rows[0])
    gpus: list[Gpu] = []
    for number, row in enumerate(data, first_line):
        where = f"line {number}"
        if len(row) != width:
            raise InputError(source, [f"{where}: {len(row)} columns, the first line has {width}"])
        name = row[columns["name"]].strip()
        if not name:
            raise InputError(source, [f"{where}: the GPU name is empty"])
        memory = row[columns["memory.total"]] if "memory.total" in columns else None
        gpus.append(Gpu(name, None if memory is None else _mib(memory.strip(), where, source)))
    return tuple(gpus)


def _header(line: str) -> list[str]:
    """The query fields a CSV header line names: `memory.total [MiB]` -> `memory.total`."""
    fields = (cell.split("[")[0].strip().lower() for cell in line.split(","))
    return [_FIELD_ALIASES.get(field, field) for field in fields]


def _mib(value: str, where: str, source: str) -> int | None:
    if value in _NOT_REPORTED:
        return None
    match = _MIB.fullmatch(value)
    if match is None:
        raise InputError(source, [f"{where}: memory.total {value!r} is not a figure in MiB"])
    return int(match["mib"])
