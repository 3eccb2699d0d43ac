"""`fleet expect STACK_FILE`: what the scheduling demo should do on the stack's fleet.

A stack with the demo disabled still gets its expectation (it is what turning
the demo on would show); a caveat says the demo is off.
"""

import argparse
import json

from rich.console import Console
from rich.table import Table

from fleet.expect import expected_outcome
from fleet.outcome import FleetOutcome
from fleet.stackfile import load_stack_file
from fleet.tables import number_column, print_table, text_column

PIPED_WIDTH = 120


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "expect", help="print the expected Running/Pending outcome of the scheduling demo"
    )
    parser.add_argument("stack_file", help="path to stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = load_stack_file(args.stack_file)
    outcome = expected_outcome(spec)
    if args.json:
        print(json.dumps(outcome.as_dict(), indent=2))
        return 0
    console = Console(highlight=False, markup=False, emoji=False)
    if not console.is_terminal:  # piped or captured: keep each reason on one line
        console.width = PIPED_WIDTH
    title = f"{args.stack_file}: expected scheduling demo in namespace {spec.demo.namespace}"
    print_table(console, outcome_table(outcome, title))
    for caveat in outcome.caveats:
        console.print(f"caveat: {caveat}", markup=False)
    return 0


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
