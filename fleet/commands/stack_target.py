"""`--stacks-dir`, shared by the commands that write stack files, and the file it names."""

import argparse
from pathlib import Path

from fleet.imports.stack_writer import stack_path
from fleet.stack.project import default_stacks_dir


def add_stacks_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stacks-dir", help="where stack files live (default: stackConfigDir of Pulumi.yaml)"
    )


def stacks_dir(args: argparse.Namespace) -> str:
    """The folder `--stacks-dir` names, else stackConfigDir, resolved when the command runs."""
    return str(args.stacks_dir or default_stacks_dir())


def stack_file(args: argparse.Namespace, stack: str) -> Path:
    return stack_path(stacks_dir(args), stack)
