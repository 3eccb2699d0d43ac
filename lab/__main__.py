"""`python -m lab tools`: build or reuse the tier's binaries and engine."""

import argparse
import sys

from lab import tools


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("tools", help="build or reuse the binaries, the engine and the chart")
    parser.parse_args()
    return tools.main()


if __name__ == "__main__":
    sys.exit(main())
