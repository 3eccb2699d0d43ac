"""How every command prints with rich, so that what it prints in a pipe or a log does not
depend on the terminal (its width, COLUMNS) or on the length of a path in it.

`console` gives the one Console setup: prose is never wrapped by rich (soft wrap: a
line of any length stays one line, which a terminal folds for display and a pipe keeps
whole for grep), and nothing in the data is read as markup, emoji or highlighting.
`print_table` prints a table's title as such a line, then the table sized to its
content where the output is not a terminal (every cell on one line), and on a terminal
at the terminal's width, or wider if that would cut a number.
"""

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

# A width no table reaches, to measure a table's layouts without the terminal's.
UNBOUNDED = 100_000


def console(stderr: bool = False) -> Console:
    """The Console a command prints prose and tables with (standard output, or `stderr`)."""
    return Console(
        stderr=stderr, highlight=False, soft_wrap=True, markup=False, emoji=False, log_path=False
    )


def print_table(out: Console, table: Table) -> None:
    """Print `table` (its title first, as a line of its own) without ever cutting a cell:
    as wide as its content off a terminal; on a terminal, at least as wide as its
    narrowest layout that keeps every number whole (rich would otherwise cut `81920`
    to `819…`; the terminal then folds the lines instead)."""
    title, table.title = table.title, None
    try:
        if title:
            out.print(title if isinstance(title, Text) else Text(str(title), style="table.title"))
        measured = Measurement.get(out, out.options.update_width(UNBOUNDED), table)
        if not out.is_terminal:
            out.width = measured.maximum
        elif measured.minimum > out.width:
            out.width = measured.minimum
        out.print(table)
    finally:
        table.title = title
