"""`fleet trace STACK_FILE --shape SHAPE --out TRACE.csv`: a seeded trace sized from the fleet."""

import argparse
from pathlib import Path

from fleet.files import files_out
from fleet.stack.load import load_whole_gpu_stack
from fleet.trace.csv_file import format_trace
from fleet.trace.generate import SHAPES, Sizing, generate
from fleet.trace.model import DEVICE_PLUGIN, DRA


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "trace", help="write a seeded job trace (CSV) sized from a stack's fleet"
    )
    parser.add_argument("stack_file", help="path to stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--shape", choices=SHAPES, default="steady", help="arrival shape")
    parser.add_argument("--jobs", type=int, default=Sizing.jobs, help="jobs in the trace")
    parser.add_argument(
        "--span", type=float, default=Sizing.span_s, help="seconds over which jobs arrive"
    )
    parser.add_argument(
        "--load",
        type=float,
        default=Sizing.load,
        help="GPU-seconds asked / the fleet's over the span",
    )
    parser.add_argument("--seed", type=int, default=Sizing.seed)
    parser.add_argument(
        "--offer",
        choices=(DEVICE_PLUGIN, DRA),
        help="how every pod asks for GPUs: nvidia.com/gpu or a DRA claim "
        "(default: the column is left empty, and the stack replaying it decides)",
    )
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    files_out.check_file(args.out)
    spec = load_whole_gpu_stack(args.stack_file, "trace")
    sizing = Sizing(jobs=args.jobs, span_s=args.span, load=args.load, seed=args.seed)
    rows = generate(spec, args.shape, sizing, args.offer)
    files_out.write_text(args.out, format_trace(rows))
    pods = sum(row.pods for row in rows)
    print(f"{args.out}: {len(rows)} jobs, {pods} pods, shape {args.shape}, seed {args.seed}")
    return 0
