"""`fleet orphans STACK_FILE [--delete]`: the nodes a `perNode` stack owns in the cluster
that its state (`pulumi stack export` on standard input) does not hold, as an interrupted
`up` leaves them (docs/scale.md, "Recovering from an interrupted `up`")."""

import argparse

from fleet.cluster import node_api
from fleet.evidence.connect import kubeconfig_and_context, stack_cluster
from fleet.files.files_in import FileProblem, load_json, read_text
from fleet.recovery.orphans import NotAnExport, nodes_in_state, orphans
from fleet.render.nodes import STACK_LABEL
from fleet.stack.load import load_stack_file
from fleet.stack.owner import owner_of_stack_file

# `pulumi stack export` of a 2,000-node perNode stack (the most perNode allows) runs to
# megabytes; the limit of a stack file would be too small.
MAX_EXPORT_BYTES = 64 * 1024 * 1024
EXIT_UNREACHABLE = 1


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "orphans",
        help="list (or --delete) a perNode stack's nodes that its state does not hold",
    )
    parser.add_argument("stack_file", help="path to stacks/Pulumi.<stack>.yaml")
    parser.add_argument(
        "--state", default="-", help="`pulumi stack export` output (default: stdin)"
    )
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: as `gpu-fleet evidence`)")
    parser.add_argument("--context", help="kubeconfig context (default: the stack's)")
    parser.add_argument("--delete", action="store_true", help="delete them")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = load_stack_file(args.stack_file)
    if spec.node_resources == "perPool":
        print(
            "perPool: each pool adopts the nodes labelled as its own on the next up; none to delete"
        )
        return 0
    try:
        recorded = nodes_in_state(load_json(read_text(args.state, MAX_EXPORT_BYTES), args.state))
    except NotAnExport as error:
        raise FileProblem("<stdin>" if args.state == "-" else args.state, str(error)) from None
    kubeconfig, context = kubeconfig_and_context(spec, args.kubeconfig, args.context)
    owner = owner_of_stack_file(args.stack_file).label
    try:
        api = node_api.connect(kubeconfig, context, node_api.Control())
        own = api.nodes(f"{STACK_LABEL}={owner}")
        found = orphans(own, recorded)
        print(f"{len(found)} node(s) of {owner} that the state does not hold: {' '.join(found)}")
        if args.delete and found:
            node_api.each(api.delete, [own[name] for name in found], api.control, "delete")
            print(f"deleted {len(found)}; the next `pulumi up` creates them again")
    except node_api.NodeApiError as error:
        print(f"orphans: {error}; {stack_cluster(spec, args.stack_file)}")
        return EXIT_UNREACHABLE
    return 0
