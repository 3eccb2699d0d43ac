"""`python -m lab tools`: resolve the tier's tools (installed, cached, downloaded or
built) and set up the engine."""

import argparse
import sys

from lab import tools


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("tools", help="resolve the binaries, the engine and the charts")
    parser.parse_args()
    return tools.main()


if __name__ == "__main__":
    sys.exit(main())
