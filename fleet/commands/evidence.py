"""`fleet evidence`: read the live cluster (GET only) and write an evidence folder."""

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path

from kubernetes import client, config
from pydantic import ValidationError
from rich.console import Console
from urllib3.exceptions import HTTPError

from fleet.evidence.document import save_evidence
from fleet.evidence.files import write_text_files
from fleet.evidence.observe import build_evidence
from fleet.evidence.read import ClusterSnapshot, read_cluster, reads
from fleet.spec import ExistingCluster, FleetSpec
from fleet.stackfile import load_stack_file

EXIT_UNREACHABLE = 2


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "evidence", help="read the live cluster (read-only) and write an evidence folder"
    )
    parser.add_argument("--stack", required=True, help="path to stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the evidence to")
    parser.add_argument(
        "--kubeconfig",
        help="kubeconfig file (default: the stack's cluster.kubeconfig, $KUBECONFIG, "
        "~/.kube/config)",
    )
    parser.add_argument(
        "--context", help="kubeconfig context (default: the stack's, else the current one)"
    )
    parser.set_defaults(func=run)


def _kubeconfig(args: argparse.Namespace, spec: FleetSpec) -> tuple[str, str | None]:
    """The kubeconfig file and context: the options, else the stack's, else the defaults."""
    kubeconfig, context = args.kubeconfig, args.context
    if isinstance(spec.cluster, ExistingCluster):
        kubeconfig = kubeconfig or spec.cluster.kubeconfig
        context = context or spec.cluster.context
    kubeconfig = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
    return os.path.expanduser(kubeconfig), context


def _read(api: client.ApiClient, stderr: Console, dra: bool) -> ClusterSnapshot:
    with stderr.status("reading the cluster") as status:

        def progress(kind: str, count: int | None) -> None:
            if count is None:
                status.update(f"listing {kind} (one request)")
            else:
                stderr.log(f"{kind}: {count}")

        return read_cluster(api, progress, dra)


def run(args: argparse.Namespace) -> int:
    spec = load_stack_file(args.stack)
    stderr = Console(stderr=True, highlight=False, log_path=False)
    kubeconfig, context = _kubeconfig(args, spec)
    try:
        api: client.ApiClient = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=kubeconfig, context=context, persist_config=False
        )
    except (config.ConfigException, OSError) as error:
        where = f"{kubeconfig} (context {context or 'current'})"
        stderr.print(f"cannot load the kubeconfig {where}: {error}", markup=False)
        return EXIT_UNREACHABLE
    try:
        with api:
            snapshot = _read(api, stderr, spec.offers_dra)
    except (client.ApiException, HTTPError, OSError, ValidationError) as error:
        stderr.print(f"cannot read the cluster: {_first_line(error)}", markup=False)
        return EXIT_UNREACHABLE
    evidence = build_evidence(snapshot, spec, Path(args.stack).name, datetime.now(UTC))
    args.out.mkdir(parents=True, exist_ok=True)
    written = [*write_text_files(args.out, snapshot, evidence), save_evidence(evidence, args.out)]
    observed = evidence.observed
    Console(highlight=False).print(
        f"{args.out}: {len(written)} files from {len(reads(spec.offers_dra))} GET requests; "
        f"{len(snapshot.nodes)} nodes, {len(snapshot.pods)} pods, {len(snapshot.events)} events; "
        f"demo {observed.running} Running, {observed.pending} Pending",
        markup=False,
    )
    return 0


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.splitlines()[:3])
