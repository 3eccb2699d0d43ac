"""The rich tables the commands print: the fleet summary and the expected demo outcome.

A table is printed without ever cutting a number (or any cell) to fit a narrow terminal,
nor breaking a name across lines; only the reasons wrap, at spaces where they can.
"""

from collections.abc import Iterable

from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from fleet.demo.outcome import FleetOutcome
from fleet.stack.spec import FleetSpec

# A width no table reaches, to measure a table's narrowest layout without the terminal's.
UNBOUNDED = 100_000


def number_column(table: Table, header: str, numbers: Iterable[object]) -> None:
    """A right-aligned column of `numbers`, never wrapped or cut."""
    table.add_column(header, justify="right", no_wrap=True, min_width=_widest(header, numbers))


def name_column(table: Table, header: str, names: Iterable[str]) -> None:
    """A left-aligned column of `names` (pools, products, workloads), each kept whole on
    its line, so that `NVIDIA-A100-SXM4-80GB` stays one word to search for and copy."""
    table.add_column(header, no_wrap=True, min_width=_widest(header, names))


def _widest(header: str, cells: Iterable[object]) -> int:
    return max(cell_len(str(cell)) for cell in [header, *cells])


def text_column(table: Table, header: str) -> None:
    """A left-aligned column whose cells wrap, folding a long word rather than cutting it."""
    table.add_column(header, overflow="fold")


def print_table(console: Console, table: Table) -> None:
    """Print `table`, at least as wide as its narrowest layout that keeps every number whole.

    Rich fits a table to the terminal by cutting cells (`819…` for 81920); on a
    terminal narrower than that layout the table is printed wider, and the
    terminal wraps its lines instead.
    """
    unbounded = console.options.update_width(UNBOUNDED)
    needed = Measurement.get(console, unbounded, table).minimum
    if needed > console.width:
        console.width = needed
    console.print(table)


def summary_table(spec: FleetSpec, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    pools = spec.pools.values()
    name_column(table, "pool", [*spec.pools, "total"])
    number_column(table, "nodes", [spec.total_nodes])
    number_column(table, "GPUs/node", [pool.gpus_per_node for pool in pools])
    name_column(table, "product", [pool.product for pool in pools])
    number_column(table, "GPU memory (MiB)", [pool.memory_mib for pool in pools])
    number_column(table, "GPUs", [spec.total_gpus])
    for name, pool in spec.pools.items():
        table.add_row(
            name,
            str(pool.nodes),
            str(pool.gpus_per_node),
            pool.product,
            str(pool.memory_mib),
            str(pool.gpus),
        )
    table.add_section()
    table.add_row("total", str(spec.total_nodes), "", "", "", str(spec.total_gpus), style="bold")
    return table


def outcome_table(outcome: FleetOutcome, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    name_column(table, "workload", [workload.name for workload in outcome.workloads])
    name_column(table, "kind", [workload.kind for workload in outcome.workloads])
    number_column(table, "running", [outcome.running])
    number_column(table, "pending", [outcome.pending])
    text_column(table, "reason(s)")
    for workload in outcome.workloads:
        table.add_row(
            workload.name,
            workload.kind,
            str(workload.running),
            str(workload.pending),
            "; ".join(workload.reasons),
        )
    table.add_section()
    table.add_row("total", "", str(outcome.running), str(outcome.pending), "", style="bold")
    return table


def print_summary(spec: FleetSpec, title: str) -> None:
    """Print the fleet summary of `spec` on standard output."""
    print_table(Console(highlight=False, markup=False, emoji=False), summary_table(spec, title))
