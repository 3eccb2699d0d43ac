"""Print rich tables without ever cutting a number (or any cell) to fit a narrow terminal."""

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

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
