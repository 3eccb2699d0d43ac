"""Read what `nvidia-smi` says about one node's GPUs.

Three formats are recognised:

- `csv`: `nvidia-smi --query-gpu=name,memory.total --format=csv` (also `noheader`,
  `nounits`, and extra columns when there is a header naming them);
- `list`: `nvidia-smi -L` (names only, no memory);
- `table`: the default `nvidia-smi` table.

Lines are taken apart with `split` and anchored patterns without nested or
adjacent overlapping repeats, so parsing time grows linearly with the input
(an earlier pattern took minutes on one line of a few thousand spaces).
"""

import csv
import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from fleet.files.files_in import cut, shorten
from fleet.imports.pools import InputError
from fleet.stack.catalog import product_label

QUERY_COMMAND = "nvidia-smi --query-gpu=name,memory.total --format=csv"

_LIST_GPU = re.compile(r"GPU [0-9]+: ")
_LIST_UUID = " (UUID: "
_LIST_MIG = re.compile(r"\s+MIG ")
# The last word of a GPU row's first cell: persistence mode (driver model on Windows).
_TABLE_MODES = frozenset({"On", "Off", "WDDM", "TCC", "MCDM"})
# The memory cell of a table row: used / total. Twelve digits are far beyond any GPU.
_TABLE_MEMORY = re.compile(r"\s*[0-9]+MiB\s*/\s*(?P<total>[0-9]{1,12})MiB\s*")
_TABLE_END = ("| Processes:", "| MIG devices:")
_MIB = re.compile(r"(?P<mib>[0-9]{1,12})(?:\s*MiB)?")
# Models named in a mixed-node error before the rest are counted.
_NAMED_MODELS = 5
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
class GpuModel:
    """One node's GPUs, all of one model: the NVML name, how many, and their memory."""

    name: str
    count: int
    memory_mib: int | None


def parse(text: str, source: str) -> Reading:
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError(source, [f"no nvidia-smi output (empty input); run `{QUERY_COMMAND}`"])
    if _list_name(lines[0]) is not None:
        return Reading("list", _parse_list(lines, source))
    if any(line.startswith(("+-", "|")) for line in lines):
        return Reading("table", _parse_table(lines, source))
    if "," in lines[0] or "name" in _header(lines[0]):
        return Reading("csv", _parse_csv(lines, source))
    raise InputError(
        source,
        [
            f"not nvidia-smi output (first line: {shorten(lines[0])}); expected the output of "
            f"`{QUERY_COMMAND}`, `nvidia-smi -L` or `nvidia-smi`",
        ],
    )


def one_model(reading: Reading, source: str) -> GpuModel:
    """The node's GPU model, its count and memory; a node with mixed models is an error.

    A pool has one product, so a mixed node cannot be mirrored by one pool.
    """
    counts = Counter(product_label(gpu.name) for gpu in reading.gpus)
    if len(counts) > 1:
        named = list(counts.items())[:_NAMED_MODELS]
        models = ", ".join(f"{count} x {cut(label)}" for label, count in named)
        if len(counts) > _NAMED_MODELS:
            models += f" and {len(counts) - _NAMED_MODELS} more"
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
        found = ", ".join(map(str, memories[:_NAMED_MODELS]))
        raise InputError(
            source, [f"the {cut(name)} GPUs report different memory.total: {found} MiB"]
        )
    return GpuModel(name, len(reading.gpus), memories[0] if memories else None)


def _parse_list(lines: list[str], source: str) -> tuple[Gpu, ...]:
    gpus: list[Gpu] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        name = _list_name(line)
        if name is not None:
            _first_sight(seen, line.split(":", 1)[0].removeprefix("GPU "), number, source)
            gpus.append(Gpu(name, None))
        elif not _LIST_MIG.match(line):
            raise InputError(
                source, [f"line {number}: not `nvidia-smi -L` output: {shorten(line)}"]
            )
    return tuple(gpus)


def _list_name(line: str) -> str | None:
    """The name in `GPU 0: <name> (UUID: GPU-...)`, or None for another line."""
    prefix = _LIST_GPU.match(line)
    if prefix is None:
        return None
    rest = line[prefix.end() :]
    if rest.endswith(")"):
        name, marker, uuid = rest.rpartition(_LIST_UUID)
        if marker and ")" not in uuid[:-1]:
            rest = name
    return rest.strip() or None


def _table_gpu_name(line: str) -> str | None:
    """The name in a GPU row's first cell: `|   0  NVIDIA H100 80GB HBM3    On  |`."""
    cells = line.split("|", 2)
    if len(cells) < 3 or cells[0]:
        return None
    words = cells[1].split()
    if len(words) < 3 or not (words[0].isascii() and words[0].isdigit()):
        return None
    return " ".join(words[1:-1]) if words[-1] in _TABLE_MODES else None


def _table_memory(line: str) -> int | None:
    """The total of the `used / total` memory cell of a table row, or None."""
    if not line.startswith("|"):
        return None
    for cell in line.split("|"):
        match = _TABLE_MEMORY.fullmatch(cell)
        if match:
            return int(match["total"])
    return None


def _parse_table(lines: list[str], source: str) -> tuple[Gpu, ...]:
    gpus: list[Gpu] = []
    names: list[str] = []
    seen: dict[str, int] = {}
    ended = False
    for number, line in enumerate(lines, 1):
        ended = ended or line.startswith(_TABLE_END)
        name = _table_gpu_name(line)
        if name is not None:
            if ended:  # a GPU row below the processes: the table of another node
                raise _more_than_one_node(source, f"line {number}: a second GPU table")
            _first_sight(seen, line.split("|")[1].split()[0], number, source)
            names.append(name)
            continue
        memory = _table_memory(line) if len(names) == len(gpus) + 1 else None
        if memory is not None:
            gpus.append(Gpu(names[-1], memory))
    if not names:
        raise InputError(source, ["no GPU rows in the nvidia-smi table"])
    if len(gpus) != len(names):
        raise InputError(source, ["a GPU row of the nvidia-smi table has no memory figure"])
    truncated = [name for name in names if name.endswith("...")]
    if truncated:
        raise InputError(
            source,
            [
                f"the table truncates the GPU name {shorten(truncated[0])}; "
                f"capture `{QUERY_COMMAND}` instead",
            ],
        )
    return tuple(gpus)


def _parse_csv(lines: list[str], source: str) -> tuple[Gpu, ...]:
    reader = csv.reader(lines, skipinitialspace=True)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise InputError(source, [f"line {reader.line_num}: not valid CSV: {error}"]) from None
    fields = _header(lines[0])
    if all(_QUERY_FIELD.fullmatch(field) for field in fields):
        if "name" not in fields:
            raise InputError(
                source,
                [
                    f"the CSV header has no name column ({shorten(lines[0])}); "
                    "query name,memory.total"
                ],
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
                f"(first line: {shorten(lines[0])})",
            ],
        )
    if not data:
        raise InputError(source, ["the CSV has a header but no GPU rows"])
    width = len(rows[0])
    gpus: list[Gpu] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(data, first_line):
        where = f"line {number}"
        if len(row) != width:
            raise InputError(source, [f"{where}: {len(row)} columns, the first line has {width}"])
        name = row[columns["name"]].strip()
        if not name:
            raise InputError(source, [f"{where}: the GPU name is empty"])
        if "index" in columns:
            _first_sight(seen, row[columns["index"]].strip(), number, source)
        memory = row[columns["memory.total"]] if "memory.total" in columns else None
        gpus.append(Gpu(name, None if memory is None else _mib(memory.strip(), where, source)))
    return tuple(gpus)


def _first_sight(seen: dict[str, int], index: str, number: int, source: str) -> None:
    """Note GPU `index` on line `number`; an index seen before means a second node's output."""
    if index in seen:
        where = f"line {number}: GPU {cut(index)} again (first on line {seen[index]})"
        raise _more_than_one_node(source, where)
    seen[index] = number


def _more_than_one_node(source: str, where: str) -> InputError:
    return InputError(
        source,
        [
            f"{where}: this is the output of more than one node; a pool mirrors one node, "
            "so capture one node's output and give the number of nodes with --nodes",
        ],
    )


def _header(line: str) -> list[str]:
    """The query fields a CSV header line names: `memory.total [MiB]` -> `memory.total`."""
    fields = (cell.split("[")[0].strip().lower() for cell in line.split(","))
    return [_FIELD_ALIASES.get(field, field) for field in fields]


def _mib(value: str, where: str, source: str) -> int | None:
    if value in _NOT_REPORTED:
        return None
    match = _MIB.fullmatch(value)
    if match is None:
        raise InputError(source, [f"{where}: memory.total {shorten(value)} is not a figure in MiB"])
    return int(match["mib"])
