"""`fleet replay-clean STACK_FILE`: remove every replay's Jobs, pods, PriorityClasses and
ResourceClaimTemplates (with their claims)."""

import argparse
import sys

from kubernetes.client import ApiException
from urllib3.exceptions import HTTPError

from fleet.evidence.connect import (
    connect,
    current_context,
    kubeconfig_and_context,
    stack_cluster,
    unreachable,
)
from fleet.replay.clean import clean
from fleet.replay.jobs import DEFAULT_NAMESPACE
from fleet.stack.load import load_stack_file

EXIT_UNREACHABLE = 2


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "replay-clean",
        help="delete the Jobs, pods, PriorityClasses and ResourceClaimTemplates replays created",
    )
    parser.add_argument("stack_file", help="path to stacks/Pulumi.<stack>.yaml")
    parser.add_argument(
        "--namespace",
        default=DEFAULT_NAMESPACE,
        help="namespace of the Jobs (a stack's teams' namespaces too)",
    )
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: as `gpu-fleet evidence`)")
    parser.add_argument("--context", help="kubeconfig context")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = load_stack_file(args.stack_file)
    kubeconfig, context = kubeconfig_and_context(spec, args.kubeconfig, args.context)
    cluster = stack_cluster(spec, args.stack_file)
    api = connect(kubeconfig, context, cluster)
    try:
        namespaces = [args.namespace, *(t for t in spec.teams if t != args.namespace)]
        cleaned = clean(api, namespaces)
    except (ApiException, HTTPError, OSError) as error:
        used = current_context(kubeconfig, context)
        print(unreachable(error, api, kubeconfig, used, cluster), file=sys.stderr)
        return EXIT_UNREACHABLE
    finally:
        api.close()  # type: ignore[no-untyped-call]
    print(
        f"{', '.join(namespaces)}: deleted {cleaned.jobs} jobs, {cleaned.pods} pods, "
        f"{cleaned.priority_classes} PriorityClasses, "
        f"{cleaned.claim_templates} ResourceClaimTemplates of replays"
    )
    return 0
