"""`fleet check STACK_FILE`: validate a stack file and print the fleet summary and, when
they are not Kubernetes' defaults, its heartbeat settings and what they ask of
kube-controller-manager (`--json` always holds them)."""

import argparse
import json

from fleet.commands.tables import print_heartbeat, print_summary
from fleet.stack.figures import heartbeat_data, summary_data
from fleet.stack.load import load_stack_file


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("check", help="validate a stack file and print its fleet")
    parser.add_argument("stack_file", help="path to stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = load_stack_file(args.stack_file)
    if args.json:
        print(json.dumps({**summary_data(spec), "heartbeat": heartbeat_data(spec)}, indent=2))
    else:
        print_summary(spec, f"{args.stack_file}: valid")
        if not spec.heartbeats.is_default:
            print_heartbeat(spec)
    return 0
