"""`fleet expect STACK_FILE`: what the scheduling demo should do on the stack's fleet.

A stack with the demo disabled still gets its expectation (it is what turning
the demo on would show); a caveat says the demo is off.
"""

import argparse
import json

from rich.console import Console

from fleet.commands.tables import outcome_table, print_table
from fleet.demo.plan import plan_demo
from fleet.stack.load import load_stack_file

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
    outcome = plan_demo(spec).expected
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
