"""`fleet pool-from-nvidia-smi [FILE|-]`: a pool mirroring one real GPU node's nvidia-smi output."""

import argparse
from pathlib import Path

from fleet.commands.stack_target import add_stacks_dir, stacks_dir
from fleet.commands.tables import print_summary
from fleet.files import files_in, files_out
from fleet.imports import nvidia_smi
from fleet.imports.mirror import mirror_pool
from fleet.imports.pools import InputError
from fleet.imports.stack_writer import pool_yaml, stack_path, with_pool
from fleet.stack.load import load_stack_file, load_stack_text


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "pool-from-nvidia-smi",
        help="print a pool that mirrors a real GPU node, from its nvidia-smi output",
    )
    parser.add_argument(
        "file",
        nargs="?",
        default="-",
        help=f"output of `{nvidia_smi.QUERY_COMMAND}`, `nvidia-smi -L` or `nvidia-smi` "
        "(default: standard input)",
    )
    parser.add_argument("--nodes", type=_positive, default=1, help="fake nodes in the pool")
    parser.add_argument("--pool", help="pool name (default: from the product, such as h100)")
    parser.add_argument(
        "--into-stack", metavar="NAME", help="add the pool to the stack file Pulumi.NAME.yaml"
    )
    add_stacks_dir(parser)
    parser.add_argument(
        "--force", action="store_true", help="with --into-stack: replace a pool of the same name"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = None if args.into_stack is None else _stack_to_edit(stacks_dir(args), args.into_stack)
    source, text = _read(args.file)
    mirrored = mirror_pool(text, source, args.nodes, args.pool)
    name, pool, comment = mirrored.name, mirrored.pool, mirrored.comment
    if path is None:
        print(pool_yaml(name, pool, comment), end="")
        return 0

    spec, original = load_stack_text(path)
    replacing = name in spec.pools
    if replacing and not args.force:
        raise InputError(
            str(path),
            [
                f"already has a pool {name!r}; "
                "pass --force to replace it, or --pool to name this one differently",
            ],
        )
    edited = with_pool(original.replace("\r\n", "\n"), str(path), name, pool, comment)
    files_out.write_text(path, edited, newline=files_in.newline_of(original))
    done = "replaced" if replacing else "added"
    print_summary(load_stack_file(path), f"{path}: valid (pool {name} {done})")
    return 0


def _stack_to_edit(stacks_dir: str, stack: str) -> Path:
    """The stack file `--into-stack` names, refused before any work if it cannot be edited."""
    path = stack_path(stacks_dir, stack)
    if not path.exists():
        raise InputError(str(path), ["no such stack file; create the stack first"])
    files_out.check_file(path)
    return path


def _read(file: str) -> tuple[str, str]:
    return files_in.source_name(file), files_in.read_text(file)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1 (got {value!r})")
    return number
