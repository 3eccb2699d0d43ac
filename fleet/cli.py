"""`gpu-fleet` (also `python -m fleet`): validate, render and inspect fleets without Pulumi.

Each subcommand lives in its own module under `fleet.commands` and exposes
`register(subparsers)`; the module sets `func` on its parser. A command returns
its exit code. Bad input is reported on stderr with exit code 2, never a traceback.
"""

import argparse
import sys
from collections.abc import Sequence

from fleet.commands import (
    check,
    evidence,
    expect,
    import_alibaba,
    import_topology,
    manifests,
    orphans,
    pool_from_nvidia_smi,
    replay,
    replay_clean,
    report,
    telemetry,
    trace,
)
from fleet.commands.output import console
from fleet.files.files_in import FileProblem
from fleet.stack.load import SpecError

COMMANDS = (
    check,
    manifests,
    expect,
    evidence,
    report,
    import_topology,
    pool_from_nvidia_smi,
    trace,
    import_alibaba,
    replay,
    replay_clean,
    orphans,
    telemetry,
)
EXIT_BAD_INPUT = 2
# The command `make venv` installs (pyproject.toml, [project.scripts]); its one spelling
# in usage lines, hints and the docs, however it was started.
CONSOLE_SCRIPT = "gpu-fleet"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=CONSOLE_SCRIPT, description="Fake GPU fleet: specs, manifests and evidence."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except (SpecError, FileProblem) as error:
        console(stderr=True).print(str(error), markup=False)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `gpu-fleet manifests ... | head`
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
