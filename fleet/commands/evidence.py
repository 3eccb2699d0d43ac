"""`fleet evidence`: read the live cluster (GET only) and write an evidence folder."""

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path

from kubernetes import client, config
from pydantic import ValidationError
from rich.console import Console
from urllib3.exceptions import HTTPError

from fleet.evidence.document import EVIDENCE_FILE, save_evidence
from fleet.evidence.files import FILES, write_text_files
from fleet.evidence.observe import build_evidence
from fleet.evidence.read import ClusterSnapshot, read_cluster, reads
from fleet.files import files_in, files_out
from fleet.files.files_in import cut
from fleet.stack.load import load_stack_file
from fleet.stack.spec import ExistingClusterSpec, FleetSpec

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
    if isinstance(spec.cluster, ExistingClusterSpec):
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


def _check_out(out: Path) -> None:
    """Refuse, before the cluster is read, an evidence folder that cannot be written."""
    files_out.check_folder(out)
    for name in (*FILES, EVIDENCE_FILE):
        files_out.check_file(out / name)


def _client(kubeconfig: str, context: str | None) -> client.ApiClient:
    """A client from the kubeconfig file(s), each read through `fleet.files.files_in` first.

    The kubernetes client reads them again (it merges a `KUBECONFIG` list and
    resolves relative paths against each file); the first read gives its
    limits and clear errors to a file the client would choke on.
    """
    for path in filter(None, kubeconfig.split(os.pathsep)):
        if os.path.exists(path):
            files_in.read_yaml(path)
    try:
        api: client.ApiClient = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=kubeconfig, context=context, persist_config=False
        )
    except (config.ConfigException, OSError, ValueError, TypeError, AttributeError) as error:
        where = f"context {context or 'current'}"
        raise files_in.FileProblem(
            kubeconfig, f"cannot load the kubeconfig ({where}): {cut(_first_line(error), 400)}"
        ) from None
    return api


def run(args: argparse.Namespace) -> int:
    spec = load_stack_file(args.stack)
    _check_out(args.out)
    stderr = Console(stderr=True, highlight=False, log_path=False, markup=False, emoji=False)
    kubeconfig, context = _kubeconfig(args, spec)
    api = _client(kubeconfig, context)
    try:
        with api:
            snapshot = _read(api, stderr, spec.offers_dra)
    except (client.ApiException, HTTPError, OSError, ValidationError) as error:
        stderr.print(f"cannot read the cluster: {_first_line(error)}", markup=False)
        return EXIT_UNREACHABLE
    evidence = build_evidence(snapshot, spec, Path(args.stack).name, datetime.now(UTC))
    files_out.make_folder(args.out)
    written = [*write_text_files(args.out, snapshot, evidence), save_evidence(evidence, args.out)]
    observed = evidence.observed
    Console(highlight=False, markup=False, emoji=False).print(
        f"{args.out}: {len(written)} files from {len(reads(spec.offers_dra))} GET requests; "
        f"{len(snapshot.nodes)} nodes, {len(snapshot.pods)} pods, {len(snapshot.events)} events; "
        f"demo {observed.running} Running, {observed.pending} Pending",
        markup=False,
    )
    return 0


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.splitlines()[:3])
