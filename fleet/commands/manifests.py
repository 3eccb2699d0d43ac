"""`fleet manifests STACK_FILE`: every object the stack creates directly, as YAML: the
fleet's own objects, the teams' namespaces and queues of its scheduler, then what its
autoscaled pools give Karpenter."""

import argparse
import itertools
import sys

import yaml

from fleet.autoscale.objects import autoscale_objects
from fleet.render.objects import stack_objects
from fleet.schedulers.objects import scheduler_objects
from fleet.stack.load import load_stack_file
from fleet.stack.owner import owner_of_stack_file


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "manifests", help="print the Kubernetes objects a stack creates, as multi-document YAML"
    )
    parser.add_argument("stack_file", help="path to stacks/Pulumi.<stack>.yaml")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = load_stack_file(args.stack_file)
    owner = owner_of_stack_file(args.stack_file)
    objects = itertools.chain(
        stack_objects(spec, owner), scheduler_objects(spec), autoscale_objects(spec, owner)
    )
    yaml.safe_dump_all(objects, sys.stdout, sort_keys=False)
    return 0
