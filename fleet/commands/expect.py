"""`fleet expect STACK_FILE`: what the scheduling demo should do on the stack's fleet.

A stack with the demo disabled still gets its expectation (it is what turning
the demo on would show); a caveat says the demo is off. A stack with a scheduler
(kueue or kai) and teams also gets the scheduler demo: per scenario, each team's
GPUs running and waiting after each step (docs/schedulers.md); there the default
demo's table is printed only when its demo is on (`--json` always holds both).
"""

import argparse
import json
from typing import Any

from rich.console import Console

from fleet.commands.tables import outcome_table, print_table, scenario_table
from fleet.demo.plan import plan_demo
from fleet.schedulers.scenarios import Scenario, ScenarioProblem, plan_scenarios
from fleet.stack.load import load_stack_file
from fleet.stack.spec import FleetSpec

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
    scenarios, problem = _scenarios(spec)
    if args.json:
        document = outcome.as_dict()
        if spec.scheduler != "default":
            document["scheduler"] = spec.scheduler
            document["scenarios"] = [scenario_dict(s) for s in scenarios]
        print(json.dumps(document, indent=2))
        return 0
    console = Console(highlight=False, markup=False, emoji=False)
    if not console.is_terminal:  # piped or captured: keep each reason on one line
        console.width = PIPED_WIDTH
    if spec.scheduler == "default" or spec.demo.enabled:
        title = f"{args.stack_file}: expected scheduling demo in namespace {spec.demo.namespace}"
        print_table(console, outcome_table(outcome, title))
        for caveat in outcome.caveats:
            console.print(f"caveat: {caveat}", markup=False)
    for scenario in scenarios:
        title = f"{spec.scheduler} scenario {scenario.name}: {scenario.title}"
        print_table(console, scenario_table(scenario, title))
    if problem is not None:
        console.print(f"caveat: no scheduler demo: {problem}", markup=False)
    return 0


def _scenarios(spec: FleetSpec) -> tuple[tuple[Scenario, ...], str | None]:
    """The scheduler demo of a kueue or kai stack, or why its teams cannot stage it."""
    if spec.scheduler == "default":
        return (), None
    try:
        return plan_scenarios(spec), None
    except ScenarioProblem as problem:
        return (), str(problem)


def scenario_dict(scenario: Scenario) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "title": scenario.title,
        "steps": [
            {
                "action": step.action,
                "teams": [
                    {"team": s.team, "running": s.running, "waiting": s.waiting}
                    for s in step.expected
                ],
            }
            for step in scenario.steps
        ],
    }
