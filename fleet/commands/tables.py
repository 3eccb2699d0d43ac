"""The rich tables the commands print: the fleet summary, the expected demo outcome and
the expected steps of the scheduler demo.

A table is printed without ever cutting a number (or any cell) to fit a narrow terminal.
"""

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from fleet.demo.outcome import FleetOutcome
from fleet.schedulers.scenarios import Scenario
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


def scenario_table(scenario: Scenario, title: str) -> Table:
    """One row per team after each step: GPUs running and GPUs waiting."""
    table = Table(title=title, title_justify="left")
    for column in (
        "step",
        "what happens (job pods x GPUs)",
        "team",
        "GPUs running",
        "GPUs waiting",
    ):
        add = number_column if column.startswith(("GPUs", "step")) else text_column
        add(table, column)
    for index, step in enumerate(scenario.steps, start=1):
        for row, state in enumerate(step.expected):
            first = row == 0
            table.add_row(
                str(index) if first else "",
                step.action if first else "",
                state.team,
                str(state.running),
                str(state.waiting),
            )
    return table


def teams_table(spec: FleetSpec) -> Table:
    """The teams of a scheduler stack: quota per pool (resolved), borrowing limit, priority."""
    table = Table(title=f"teams ({spec.scheduler})", title_justify="left")
    text_column(table, "team")
    for pool in spec.pools:
        number_column(table, f"{pool} quota")
    number_column(table, "may borrow")
    number_column(table, "priority")
    for team, settings in spec.teams.items():
        quota = spec.team_quota(team)
        borrowing = settings.borrowing_limit
        table.add_row(
            team,
            *(str(quota.get(pool, 0)) for pool in spec.pools),
            "any idle" if borrowing is None else str(borrowing),
            str(settings.priority),
        )
    return table


def print_summary(spec: FleetSpec, title: str) -> None:
    """Print the fleet summary of `spec` on standard output, and its teams if it has any."""
    console = Console(highlight=False, markup=False, emoji=False)
    print_table(console, summary_table(spec, title))
    if spec.teams:
        print_table(console, teams_table(spec))
