"""`fleet expect STACK_FILE`: what the scheduling demo should do on the stack's fleet;
with `--trace TRACE.csv`, what a replay of that trace should do over time.

A stack with the demo disabled still gets its expectation (it is what turning
the demo on would show); a caveat says the demo is off. A stack with a scheduler
(kueue or kai) and teams also gets the scheduler demo: per scenario, each team's
GPUs running and waiting after each step (docs/schedulers.md); there the default
demo's table is printed only when its demo is on (`--json` always holds both). Such a
stack with a pool of racks also gets the topology demo: per scenario, each gang's state
and the racks and blocks it is in after each step.
"""

import argparse
import json
from collections import Counter
from typing import Any

from fleet.commands.output import console, print_table
from fleet.commands.tables import (
    forecast_table,
    outcome_table,
    scenario_table,
    topology_scenario_table,
)
from fleet.demo.plan import plan_demo
from fleet.replay.fleet_nodes import for_stack, gpu_nodes
from fleet.replay.forecast import forecast, unschedulable
from fleet.replay.score_ties import score_ties
from fleet.schedulers.scenarios import Scenario, ScenarioProblem, plan_scenarios
from fleet.schedulers.topology_scenarios import TopologyScenario, plan_topology, refusal
from fleet.stack.load import load_whole_gpu_stack
from fleet.stack.spec import FleetSpec
from fleet.trace.csv_file import read_trace
from fleet.trace.model import DRA


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "expect", help="print the expected Running/Pending outcome of the scheduling demo"
    )
    parser.add_argument("stack_file", help="path to stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.add_argument(
        "--trace", help="a job trace (CSV, docs/replay.md): predict its replay instead"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = load_whole_gpu_stack(args.stack_file, "expect")
    if args.trace:
        return _trace(args, spec)
    outcome = plan_demo(spec).expected
    scenarios, problem = _scenarios(spec)
    topology, topology_problem = _topology(spec)
    if args.json:
        document = outcome.as_dict()
        if spec.scheduler != "default":
            document["scheduler"] = spec.scheduler
            document["scenarios"] = [scenario_dict(s) for s in scenarios]
        if topology:
            document["topologyScenarios"] = [topology_dict(s) for s in topology]
        print(json.dumps(document, indent=2))
        return 0
    out = console()
    if spec.scheduler == "default" or spec.demo.enabled:
        title = f"{args.stack_file}: expected scheduling demo in namespace {spec.demo.namespace}"
        print_table(out, outcome_table(outcome, title))
        for caveat in outcome.caveats:
            out.print(f"caveat: {caveat}", markup=False)
    for scenario in scenarios:
        title = f"{spec.scheduler} scenario {scenario.name}: {scenario.title}"
        print_table(out, scenario_table(scenario, title))
    if problem is not None:
        out.print(f"caveat: no scheduler demo: {problem}", markup=False)
    for topo in topology:
        title = f"{spec.scheduler} topology scenario {topo.name}: {topo.title}"
        print_table(out, topology_scenario_table(topo, title))
        for job in topo.jobs:
            if any(p.job == job.name and p.state == "refused" for p in topo.steps[-1].expected):
                out.print(f"caveat: {refusal(spec.pools[job.pool], job)}", markup=False)
    if topology_problem is not None:
        out.print(f"caveat: no topology demo: {topology_problem}", markup=False)
    return 0


def _trace(args: argparse.Namespace, spec: FleetSpec) -> int:
    rows = for_stack(read_trace(args.trace), spec)
    nodes = gpu_nodes(spec)
    prediction = forecast(rows, nodes)
    central = prediction.timeline
    ties = score_ties(spec, rows)
    if args.json:
        figures = {
            "gpu_hours": central.gpu_hours,
            "stranded_gpu_hours": central.stranded_gpu_hours,
            "mean_wait_s": central.mean_wait_s,
            "p90_wait_s": central.wait_percentile(90),
            "max_queue": central.max_queue,
            "end_s": central.end_s,
            "bounds": prediction.bounds_table(),
            "unschedulable_jobs": [row.job for row in unschedulable(rows, nodes)],
            "pods_by_offer": dict(Counter(row.asks_by for row in rows for _ in range(row.pods))),
            "equal_scores_premise": {"holds": ties.holds, "caveats": ties.caveats()},
        }
        print(json.dumps(figures, indent=2))
        return 0
    out = console()
    pods = sum(row.pods for row in rows)
    claims = sum(row.pods for row in rows if row.asks_by == DRA)
    by_claim = f", {claims} of them by DRA claim" if claims else ""
    out.print(f"{args.trace} on {args.stack_file}: {len(rows)} jobs, {pods} pods{by_claim}")
    print_table(out, forecast_table(prediction, central.capacity))
    low, high = prediction.bounds_table()["mean_wait_s"]
    out.print(
        f"wait: mean {central.mean_wait_s:,.0f} s ({low:,.0f} - {high:,.0f}), "
        f"p90 {central.wait_percentile(90):,.0f} s; queue at most {central.max_queue} pods; "
        f"last pod ends at {central.end_s:,.0f} s",
        markup=False,
    )
    for row in unschedulable(rows, nodes):
        out.print(
            f"caveat: job {row.job} ({row.constraint}, {row.asks} per pod) fits on no node "
            f"(the fleet offers GPUs by {spec.gpu_offer}): it would wait forever",
            markup=False,
        )
    for caveat in ties.caveats():
        out.print(f"caveat: {caveat}", markup=False)
    out.print(
        "caveat: bounds: the lowest and highest over other node orders, random, packing and "
        "spreading choices",
        markup=False,
    )
    return 0


def _scenarios(spec: FleetSpec) -> tuple[tuple[Scenario, ...], str | None]:
    """The scheduler demo of a kueue or kai stack, or why its teams cannot stage it."""
    if spec.scheduler == "default":
        return (), None
    try:
        return plan_scenarios(spec), None
    except ScenarioProblem as problem:
        return (), str(problem)


def _topology(spec: FleetSpec) -> tuple[tuple[TopologyScenario, ...], str | None]:
    """The topology demo of a kueue or kai stack with a pool of racks, or why it cannot
    be staged; nothing at all for a stack without topology or scheduler."""
    if spec.scheduler == "default" or not spec.topology_pools:
        return (), None
    try:
        return plan_topology(spec), None
    except ScenarioProblem as problem:
        return (), str(problem)


def topology_dict(scenario: TopologyScenario) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "title": scenario.title,
        "steps": [
            {
                "action": step.action,
                "freeGpus": step.free_gpus,
                "strandedGpus": step.stranded_gpus,
                "gangs": [
                    {"job": p.job, "state": p.state, "racks": p.racks, "blocks": p.blocks}
                    for p in step.expected
                ],
            }
            for step in scenario.steps
        ],
    }


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
