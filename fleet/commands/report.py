"""`fleet report DIR`: the Markdown report and the HTML page of an evidence folder, a replay's
folder, or both; exit 1 when a validation row fails.

With `evidence.json` the reports hold the validation (as before), and with `telemetry.json`
its GPU telemetry rows (Markdown); with `replay.json` they also hold the replay, predicted
beside observed, and the page its charts.
"""

import argparse
from pathlib import Path

from fleet.commands.output import console
from fleet.evidence.checks import Validation, validate
from fleet.evidence.document import EVIDENCE_FILE, EvidenceError, load_evidence
from fleet.files import files_out
from fleet.files.files_in import FileProblem
from fleet.replay.compare import compare, markdown
from fleet.replay.document import REPLAY_FILE, ReplayFileError, load_replay
from fleet.replay.fleet_nodes import gpu_nodes
from fleet.report import telemetry_section
from fleet.report.html import ReplayPart, render_page
from fleet.report.markdown import render
from fleet.stack.load import SpecError, parse_fleet
from fleet.stack.spec import FleetSpec
from fleet.telemetry.snapshot import Telemetry, TelemetryError, load_telemetry

EXIT_FAILED = 1
EXIT_BAD_EVIDENCE = 2
YAML = (".yaml", ".yml")


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the validation report (and a replay's) as Markdown and HTML (exit 1 on FAIL)",
    )
    parser.add_argument(
        "evidence_dir",
        type=Path,
        help="folder written by `gpu-fleet evidence` and/or `gpu-fleet replay`",
    )
    parser.add_argument(
        "--out", type=Path, help="Markdown file to write (default: EVIDENCE_DIR/report.md)"
    )
    parser.add_argument(
        "--html", type=Path, help="HTML page to write (default: EVIDENCE_DIR/report.html)"
    )
    parser.set_defaults(func=run)


def _check_evidence_dir(path: Path) -> None:
    """Refuse, before the output path is looked at, an argument that is not an evidence folder."""
    if path.is_file():
        hint = " (a stack file: `gpu-fleet check` validates it)" if path.suffix in YAML else ""
        raise FileProblem(
            str(path),
            f"a file, not an evidence folder{hint}; `gpu-fleet report` reads the folder that "
            "`gpu-fleet evidence --out` wrote",
        )
    if not path.exists():
        raise FileProblem(
            str(path), "no such evidence folder; write one with `gpu-fleet evidence --out` first"
        )


def run(args: argparse.Namespace) -> int:
    stderr = console(stderr=True)
    folder: Path = args.evidence_dir
    out: Path = args.out or folder / "report.md"
    html: Path = args.html or folder / "report.html"
    has_replay = (folder / REPLAY_FILE).is_file()
    validation: Validation | None = None
    telemetry: Telemetry | None = None
    spec: FleetSpec | None = None
    replay: ReplayPart | None = None
    try:
        _check_evidence_dir(args.evidence_dir)
        files_out.check_file(out)
        files_out.check_file(html)
        if (folder / EVIDENCE_FILE).exists() or not has_replay:
            evidence = load_evidence(folder)
            spec = parse_fleet(evidence.spec, f"{folder}/{EVIDENCE_FILE} (spec)")
            validation = validate(evidence, spec)
            telemetry = load_telemetry(folder)
        if has_replay:
            document = load_replay(folder)
            spec = spec or parse_fleet(document.spec, f"{folder}/{REPLAY_FILE} (spec)")
            nodes = gpu_nodes(spec)
            comparison = compare(
                document.rows,
                nodes,
                document.predicted,
                document.observed,
                document.predicted_bounds,
            )
            replay = ReplayPart(document, comparison)
    except (EvidenceError, SpecError, FileProblem, ReplayFileError, TelemetryError) as error:
        stderr.print(str(error), markup=False)
        return EXIT_BAD_EVIDENCE
    assert spec is not None
    text = render(validation) if validation is not None else "# Replay report\n\n"
    failures = validation.failures() if validation is not None else []
    sections = []
    if telemetry is not None and validation is not None:
        found = telemetry_section.rows(telemetry, validation.evidence, spec)
        text += telemetry_section.markdown(telemetry, found)
        sections.append(telemetry_section.html(telemetry, found))
        failures += telemetry_section.failures(found)
    if replay is not None:
        text += "\n".join(markdown(replay.comparison, replay.document.fidelity))
    files_out.write_text(out, text)
    page = render_page(f"gpu-fleet report: {folder}", spec, validation, replay, sections)
    files_out.write_text(html, page)
    print(text, end="")
    verdict = f"FAIL: {len(failures)} rows failed" if failures else "PASS"
    stderr.print(f"{out}: {verdict if validation else 'written'}; {html}: written", markup=False)
    return EXIT_FAILED if failures else 0
