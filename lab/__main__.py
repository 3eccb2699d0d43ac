"""`python -m lab tools`: resolve the tier's tools (installed, cached, downloaded or
built), set up the engine and make the charts."""

import argparse
import sys
import time

from lab import charts, public, tools
from lab.pins import OPERATOR_DRA_VERSION, OPERATOR_VERSION


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("tools", help="resolve the binaries, the engine and the charts")
    parser.parse_args()
    return ready()


def ready() -> int:
    """Build or reuse every tool and chart and set up the engine; exit 1 when any piece
    fails."""
    mode = "offline: module proxy and source trees only" if public.offline() else "online"
    print(
        f"== e2e tools (cache {tools.cache_dir()}; {mode}; source trees {tools.upstream_root()})",
        flush=True,
    )
    started = time.monotonic()
    try:
        engine = tools.ensure_engine(tools.ensure_tools())
        made = [
            charts.operator_chart(version) for version in (OPERATOR_VERSION, OPERATOR_DRA_VERSION)
        ]
        made += [charts.kueue_chart(), charts.kai_chart(), charts.prometheus_chart()]
    except tools.BuildError as error:
        print(f"  FAILED {error}", file=sys.stderr, flush=True)
        return 1
    print(f"  engine {engine.bin_dir} (PULUMI_HOME {engine.pulumi_home})", flush=True)
    for chart in made:
        print(f"  chart {chart}", flush=True)
    print(f"== e2e tools ready in {time.monotonic() - started:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
