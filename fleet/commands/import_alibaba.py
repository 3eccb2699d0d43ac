"""`fleet import-alibaba NODE_LIST POD_LIST --stack NAME --trace OUT.csv`: a stack file and a
trace from files in the layout of Alibaba's cluster-trace-gpu-v2023 (docs/replay.md)."""

import argparse
from pathlib import Path

from fleet.commands.stack_target import add_stacks_dir, stack_file
from fleet.commands.tables import print_summary
from fleet.files import files_out
from fleet.imports.stack_writer import default_cluster_name, new_kind_stack
from fleet.stack.load import load_stack_file
from fleet.trace.alibaba import import_alibaba
from fleet.trace.csv_file import format_trace


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "import-alibaba",
        help="write a stack file and a trace from cluster-trace-gpu-v2023 node and pod lists",
    )
    parser.add_argument("node_list", help="CSV: sn, cpu_milli, memory_mib, gpu, model")
    parser.add_argument("pod_list", help="CSV: name, ..., num_gpu, gpu_milli, gpu_spec, ...")
    parser.add_argument("--stack", required=True, help="stack name: writes Pulumi.<stack>.yaml")
    parser.add_argument("--trace", type=Path, required=True, help="trace CSV file to write")
    add_stacks_dir(parser)
    parser.add_argument("--force", action="store_true", help="replace existing files")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = stack_file(args, args.stack)
    files_out.check_file(path, may_exist=args.force)
    files_out.check_file(args.trace, may_exist=args.force)
    imported = import_alibaba(args.node_list, args.pod_list)
    header = [
        f"Written by gpu-fleet import-alibaba from {args.node_list}.",
        f"Its trace: {args.trace}. Check it with: gpu-fleet check {path}",
    ]
    text = new_kind_stack(path, default_cluster_name(args.stack), imported.pools, header)
    files_out.write_text(path, text, exclusive=not args.force)
    files_out.write_text(args.trace, format_trace(imported.rows), exclusive=not args.force)
    print_summary(load_stack_file(path), f"{path}: valid")
    pods = sum(row.pods for row in imported.rows)
    print(f"{args.trace}: {len(imported.rows)} jobs, {pods} pods")
    for note in imported.notes:
        print(f"note: {note}")
    return 0
