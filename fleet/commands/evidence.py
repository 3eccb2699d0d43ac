"""`fleet evidence`: read the live cluster (GET only) and write an evidence folder."""

import argparse
from datetime import UTC, datetime
from pathlib import Path

from kubernetes import client
from pydantic import ValidationError
from rich.console import Console
from urllib3.exceptions import HTTPError

from fleet.commands.output import console
from fleet.evidence.connect import connect, current_context, kubeconfig_and_context, unreachable
from fleet.evidence.document import EVIDENCE_FILE, MAX_PROVENANCE_CHARS, save_evidence
from fleet.evidence.files import FILES, write_text_files
from fleet.evidence.observe import build_evidence
from fleet.evidence.read import ClusterSnapshot, read_cluster
from fleet.files import files_out
from fleet.files.files_in import cut
from fleet.stack.load import load_stack_file

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
    parser.add_argument(
        "--provenance",
        help="what the report should say about where this evidence came from (free text)",
    )
    parser.set_defaults(func=run)


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


def run(args: argparse.Namespace) -> int:
    spec = load_stack_file(args.stack)
    _check_out(args.out)
    stderr = console(stderr=True)
    kubeconfig, context = kubeconfig_and_context(spec, args.kubeconfig, args.context)
    api = connect(kubeconfig, context)
    used = current_context(kubeconfig, context)
    try:
        with api:
            snapshot = _read(api, stderr, spec.offers_dra)
    except (client.ApiException, HTTPError, OSError, ValidationError) as error:
        stderr.print(unreachable(error, api, kubeconfig, used), markup=False, soft_wrap=True)
        return EXIT_UNREACHABLE
    evidence = build_evidence(snapshot, spec, Path(args.stack).name, datetime.now(UTC))
    evidence.server, evidence.context = api.configuration.host, used
    if args.provenance:
        evidence.provenance = cut(" ".join(args.provenance.split()), MAX_PROVENANCE_CHARS - 50)
    files_out.make_folder(args.out)
    written = [*write_text_files(args.out, snapshot, evidence), save_evidence(evidence, args.out)]
    observed = evidence.observed
    console().print(
        f"{args.out}: {len(written)} files from {snapshot.requests} GET requests; "
        f"{len(snapshot.nodes)} nodes, {len(snapshot.pods)} pods, {len(snapshot.events)} events; "
        f"demo {observed.running} Running, {observed.pending} Pending",
        markup=False,
    )
    return 0
