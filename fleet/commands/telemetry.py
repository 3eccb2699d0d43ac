"""`fleet telemetry STACK_FILE --print WHAT`: what the program renders for GPU telemetry.

`rules`: the recording and alerting rules (a Prometheus rule file); `scrape`: a
prometheus.yml scraping the operator's exporter at `--target`; `dashboard`: the
fleet's Grafana dashboard (JSON); `chart-values`: the community chart's values;
`service-monitor`: the ServiceMonitor and PrometheusRule (multi-document YAML).
"""

import argparse
import json
import sys

import yaml

from fleet.stack.load import load_stack_file
from fleet.telemetry.cluster import chart_values, operator_objects
from fleet.telemetry.dashboard import dashboard
from fleet.telemetry.rules import rule_groups
from fleet.telemetry.scrape import RULE_FILE, server_config
from fleet.telemetry.series import EXPORTER_PORT

WHAT = ("rules", "scrape", "dashboard", "chart-values", "service-monitor")


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "telemetry", help="print the Prometheus rules, scrape config or dashboard of a stack"
    )
    parser.add_argument("stack_file", help="path to stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--print", dest="what", choices=WHAT, required=True)
    parser.add_argument(
        "--target",
        default=f"127.0.0.1:{EXPORTER_PORT}",
        help="the exporter's host:port, for --print scrape (default: %(default)s)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = load_stack_file(args.stack_file)
    if args.what == "dashboard":
        print(json.dumps(dashboard(), indent=2))
    elif args.what == "rules":
        yaml.safe_dump(rule_groups(spec), sys.stdout, sort_keys=False)
    elif args.what == "scrape":
        config = server_config(spec.monitoring, args.target, RULE_FILE)
        yaml.safe_dump(config, sys.stdout, sort_keys=False)
    elif args.what == "chart-values":
        yaml.safe_dump(chart_values(spec), sys.stdout, sort_keys=False)
    else:
        yaml.safe_dump_all(operator_objects(spec), sys.stdout, sort_keys=False)
    return 0
