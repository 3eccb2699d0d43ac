"""The rich tables the commands print: the fleet summary, the expected demo outcome and a
trace's forecast.

A table is printed without ever cutting a number (or any cell) to fit a narrow terminal.
"""

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from fleet.demo.outcome import FleetOutcome
from fleet.replay.compare import Figure
from fleet.replay.forecast import Forecast
from fleet.stack.spec import FleetSpec

# A width no table reaches, to measure a table's narrowest layout without the terminal's.
UNBOUNDED = 100_000


def number_column(table: Table, header: str) -> None:
    """A right-aligned column whose cells are never wrapped or cut."""
    table.add_column(header, justify="right", no_wrap=True)


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
    for column in ("pool", "nodes", "GPUs/node", "product", "GPU memory (MiB)", "GPUs"):
        add = text_column if column in ("pool", "product") else number_column
        add(table, column)
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
    for column in ("workload", "kind", "running", "pending", "reason(s)"):
        add = number_column if column in ("running", "pending") else text_column
        add(table, column)
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


def forecast_table(forecast: Forecast, capacity: dict[str, int]) -> Table:
    """Per pool: GPUs, predicted GPU-hours with their bounds, stranded GPU-hours."""
    table = Table()
    text_column(table, "pool")
    for column in ("GPUs", "GPU-hours", "bounds", "stranded GPU-hours"):
        add = text_column if column == "bounds" else number_column
        add(table, column)
    central = forecast.timeline
    bounds = forecast.bounds_table()
    for pool, hours in central.gpu_hours.items():
        low, high = bounds[f"gpu_hours:{pool}"]
        table.add_row(
            pool,
            str(capacity.get(pool, 0)),
            f"{hours:,.1f}",
            f"{low:,.1f} - {high:,.1f}",
            f"{central.stranded_gpu_hours.get(pool, 0.0):,.1f}",
        )
    table.add_section()
    low, high = bounds["stranded_gpu_hours"]
    table.add_row(
        "total",
        str(sum(capacity.values())),
        f"{sum(central.gpu_hours.values()):,.1f}",
        "",
        f"{sum(central.stranded_gpu_hours.values()):,.1f} ({low:,.1f} - {high:,.1f})",
        style="bold",
    )
    return table


def comparison_table(rows: list[Figure], title: str) -> Table:
    """Predicted beside observed, with the prediction's bounds and the relative gap."""
    table = Table(title=title, title_justify="left")
    text_column(table, "figure")
    for column in ("predicted", "bounds", "observed", "gap"):
        add = text_column if column == "bounds" else number_column
        add(table, column)
    for row in rows:
        name = f"{row.metric} ({row.pool})" if row.pool else row.metric
        verdict = {True: " ok", False: " OUT", None: ""}[row.within]
        table.add_row(
            name,
            f"{row.predicted:,.1f}",
            f"{row.low:,.1f} - {row.high:,.1f}",
            f"{row.observed:,.1f}",
            f"{row.gap:+.1%}{verdict}",
        )
    return table
