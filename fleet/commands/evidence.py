"""`fleet evidence`: read the live cluster (GET only) and write an evidence folder."""

import argparse
from datetime import UTC, datetime
from pathlib import Path

from kubernetes import client
from pydantic import ValidationError
from rich.console import Console
from urllib3.exceptions import HTTPError

from fleet.commands.output import console
from fleet.evidence.connect import (
    connect,
    current_context,
    kubeconfig_and_context,
    stack_cluster,
    unreachable,
)
from fleet.evidence.document import EVIDENCE_FILE, MAX_PROVENANCE_CHARS, save_evidence
from fleet.evidence.files import FILES, write_text_files
from fleet.evidence.observe import build_evidence
from fleet.evidence.read import ClusterSnapshot, read_cluster
from fleet.files import files_out
from fleet.files.files_in import cut
from fleet.stack.load import load_whole_gpu_stack
from fleet.telemetry.prometheus_api import PrometheusError
from fleet.telemetry.snapshot import (
    DEFAULT_WINDOW_MINUTES,
    MAX_WINDOW_MINUTES,
    TELEMETRY_FILE,
    Telemetry,
    read_telemetry,
    save_telemetry,
)

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
    parser.add_argument(
        "--prometheus",
        metavar="URL",
        help="also record a telemetry snapshot (telemetry.json) from the Prometheus server at "
        "URL, e.g. http://127.0.0.1:9090 (docs/telemetry.md)",
    )
    parser.add_argument(
        "--telemetry-window",
        type=int,
        default=DEFAULT_WINDOW_MINUTES,
        metavar="MINUTES",
        help=f"the window of the snapshot's lowest/highest readings and GPU-hours "
        f"(default {DEFAULT_WINDOW_MINUTES}, at most {MAX_WINDOW_MINUTES})",
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
    for name in (*FILES, EVIDENCE_FILE, TELEMETRY_FILE):
        files_out.check_file(out / name)


def _telemetry(args: argparse.Namespace, captured: datetime, stderr: Console) -> Telemetry | None:
    """The Prometheus snapshot, asked before the cluster is read; None (said on stderr)
    when the window is out of range or the server cannot answer."""
    if not 1 <= args.telemetry_window <= MAX_WINDOW_MINUTES:
        stderr.print(
            f"--telemetry-window: {args.telemetry_window} minutes; give 1 to {MAX_WINDOW_MINUTES}",
            markup=False,
        )
        return None
    try:
        return read_telemetry(args.prometheus, captured, args.telemetry_window)
    except PrometheusError as error:
        stderr.print(f"{error}; no evidence written", markup=False, soft_wrap=True)
        return None


def run(args: argparse.Namespace) -> int:
    spec = load_whole_gpu_stack(args.stack, "evidence")
    _check_out(args.out)
    stderr = console(stderr=True)
    captured = datetime.now(UTC)
    telemetry = _telemetry(args, captured, stderr) if args.prometheus else None
    if args.prometheus and telemetry is None:
        return EXIT_UNREACHABLE
    kubeconfig, context = kubeconfig_and_context(spec, args.kubeconfig, args.context)
    cluster = stack_cluster(spec, args.stack)
    api = connect(kubeconfig, context, cluster)
    used = current_context(kubeconfig, context)
    try:
        with api:
            snapshot = _read(api, stderr, spec.offers_dra)
    except (client.ApiException, HTTPError, OSError, ValidationError) as error:
        why = unreachable(error, api, kubeconfig, used, cluster)
        stderr.print(why, markup=False, soft_wrap=True)
        return EXIT_UNREACHABLE
    evidence = build_evidence(snapshot, spec, Path(args.stack).name, captured)
    evidence.server, evidence.context = api.configuration.host, used
    if args.provenance:
        evidence.provenance = cut(" ".join(args.provenance.split()), MAX_PROVENANCE_CHARS - 50)
    files_out.make_folder(args.out)
    written = [*write_text_files(args.out, snapshot, evidence), save_evidence(evidence, args.out)]
    if telemetry is not None:
        written.append(save_telemetry(telemetry, args.out))
    else:  # an older run's snapshot would be reported beside this evidence
        (args.out / TELEMETRY_FILE).unlink(missing_ok=True)
    observed = evidence.observed
    console().print(
        f"{args.out}: {len(written)} files from {snapshot.requests} GET requests; "
        f"{len(snapshot.nodes)} nodes, {len(snapshot.pods)} pods, {len(snapshot.events)} events; "
        f"demo {observed.running} Running, {observed.pending} Pending",
        markup=False,
    )
    return 0
