"""`python -m e2e tools [--strict]`: build the tier's binaries and report what is blocked."""

import argparse
import sys

from e2e import tools


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("tools", help="build or reuse the binaries; report blocked pieces")
    build.add_argument("--strict", action="store_true", help="exit 3 if any piece is blocked")
    args = parser.parse_args()
    return tools.main(strict=args.strict)


if __name__ == "__main__":
    sys.exit(main())
