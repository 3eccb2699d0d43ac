"""`fleet pending-creates [EXPORT]`: the `pulumi refresh` arguments that import the nodes an
interrupted `up` was creating (README, "Recovering from an interrupted `up`")."""

import argparse

from fleet.files.files_in import FileProblem, load_json, read_text, source_name
from fleet.recovery.pending import NotAnExport, import_arguments, pending_node_creates

# `pulumi stack export` of a 2,000-node perNode stack (the most perNode allows) is
# about 10 MB; evidence's limit would be too small.
MAX_EXPORT_BYTES = 64 * 1024 * 1024


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "pending-creates",
        help="print the `pulumi refresh` arguments importing the nodes an interrupted up created",
    )
    parser.add_argument(
        "export", nargs="?", default="-", help="`pulumi stack export` output (default: stdin)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    source = source_name(args.export)
    document = load_json(read_text(args.export, MAX_EXPORT_BYTES), source)
    try:
        arguments = import_arguments(pending_node_creates(document))
    except NotAnExport as error:
        raise FileProblem(source, str(error)) from None
    print(" ".join(arguments))
    return 0
