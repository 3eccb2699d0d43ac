"""Read and write a trace as CSV (docs/replay.md), each bad row reported by line and column."""

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import ValidationError

from fleet.files import files_in
from fleet.files.files_in import shorten
from fleet.imports.pools import InputError
from fleet.trace.model import ANY, COLUMNS, MAX_TRACE_ROWS, REQUIRED, TraceRow

MAX_TRACE_BYTES = 16 * files_in.MIB


def parse_row(cells: Mapping[str, str]) -> TraceRow:
    """A row from its CSV cells (text), empty optional cells left out."""
    values: dict[str, object] = {}
    for column in COLUMNS:
        text = (cells.get(column) or "").strip()
        if not text:
            continue
        if column == "product":
            if text.lower() != ANY:
                values["products"] = tuple(part.strip() for part in text.split("|"))
        elif column == "pool":
            if text.lower() != ANY:
                values["pool"] = text
        else:
            values[column] = text
    return TraceRow.model_validate(values)


def _row_problems(line: int, error: ValidationError, cells: Mapping[str, str]) -> list[str]:
    problems = []
    for detail in error.errors():
        column = ".".join(str(part) for part in detail["loc"]) or "pool, product"
        column = "product" if column.startswith("products") else column
        message = str(detail["msg"]).removeprefix("Value error, ")
        shown = shorten(cells.get(column, ""))
        got = f" (got {shown})" if column in cells and shown not in message else ""
        problems.append(f"line {line}: {column}: {message}{got}")
    return problems


def read_trace(path: str | Path) -> list[TraceRow]:
    """The trace's rows in arrival order; every problem named by line and column."""
    source = files_in.source_name(path)
    text = files_in.read_text(path, MAX_TRACE_BYTES)
    return parse_trace(text, source)


def parse_trace(text: str, source: str) -> list[TraceRow]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing or not header:
        header_problems = [f"line 1: unknown column {name!r}" for name in unknown]
        header_problems += [f"line 1: missing column {name!r}" for name in missing]
        raise InputError(source, [*header_problems, f"columns are: {', '.join(COLUMNS)}"])
    rows: list[TraceRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if len(rows) + len(problems) >= MAX_TRACE_ROWS:
            raise InputError(source, [f"more than {MAX_TRACE_ROWS:,} rows"])
        if None in cells:
            problems.append(f"line {line}: more cells than the {len(header)} columns")
            continue
        try:
            row = parse_row(cells)
        except ValidationError as error:
            problems += _row_problems(line, error, cells)
            continue
        if row.job in seen:
            problems.append(f"line {line}: job: {row.job!r} is also on line {seen[row.job]}")
            continue
        seen[row.job] = line
        rows.append(row)
    if problems:
        raise InputError(source, problems)
    if not rows:
        raise InputError(source, ["no rows: a trace needs at least one job"])
    return sorted(rows, key=lambda row: row.arrival_s)


def seconds(value: float) -> str:
    """Seconds as CSV text: milliseconds at most, no trailing zeros."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def format_trace(rows: Iterable[TraceRow]) -> str:
    """The rows as CSV; the `util` column only when a row declares a utilization, so that
    traces without one read as they did before the column existed."""
    rows = list(rows)
    with_util = any(row.utilization is not None for row in rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS if with_util else COLUMNS[:-1])
    for row in rows:
        cells = [
            seconds(row.arrival_s),
            row.job,
            row.pods,
            row.gpus_per_pod,
            row.pool or "",
            "|".join(row.products),
            seconds(row.duration_s),
            "" if row.priority is None else row.priority,
            row.offer or "",
            row.team or "",
        ]
        writer.writerow([*cells, row.utilization or ""] if with_util else cells)
    return out.getvalue()
