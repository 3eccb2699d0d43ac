"""`fleet import-topology FILE.json --stack NAME`: a stack file from a topology file."""

import argparse

from fleet.commands.stack_target import add_stacks_dir, stack_file
from fleet.commands.tables import print_summary
from fleet.files import files_out
from fleet.imports.stack_writer import default_cluster_name, new_kind_stack
from fleet.imports.topology import read_topology
from fleet.stack.load import load_stack_file


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "import-topology", help="write a stack file from a topology JSON file of the original lab"
    )
    parser.add_argument("topology", help="topology JSON file (pools keyed by name)")
    parser.add_argument("--stack", required=True, help="stack name: writes Pulumi.<stack>.yaml")
    add_stacks_dir(parser)
    parser.add_argument(
        "--cluster-name", help="kind cluster name (default: gpu-fleet-<stack>, made a DNS label)"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing stack file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = stack_file(args, args.stack)
    files_out.check_file(path, may_exist=args.force)
    topology = read_topology(args.topology)
    header = [f"Written by gpu-fleet import-topology from {args.topology}."]
    if topology.name or topology.description:
        about = ": ".join(filter(None, (topology.name, topology.description)))
        header.append(f"Topology {' '.join(about.split())}")
    header.append(f"Check it with: gpu-fleet check {path}")
    cluster_name = args.cluster_name or default_cluster_name(args.stack)
    text = new_kind_stack(path, cluster_name, topology.pools, header)
    files_out.write_text(path, text, exclusive=not args.force)
    print_summary(load_stack_file(path), f"{path}: valid")
    return 0
