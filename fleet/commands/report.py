"""`fleet report EVIDENCE_DIR`: the Markdown validation report; exit 1 when any row fails."""

import argparse
from pathlib import Path

from rich.console import Console

from fleet.evidence.checks import validate
from fleet.evidence.document import EvidenceError, load_evidence
from fleet.evidence.markdown import render
from fleet.files import files_out
from fleet.files.files_in import FileProblem
from fleet.stack.load import SpecError, parse_fleet

EXIT_FAILED = 1
EXIT_BAD_EVIDENCE = 2
YAML = (".yaml", ".yml")


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "report", help="write the validation report of an evidence folder (exit 1 on FAIL)"
    )
    parser.add_argument("evidence_dir", type=Path, help="folder written by `fleet evidence`")
    parser.add_argument(
        "--out", type=Path, help="Markdown file to write (default: EVIDENCE_DIR/report.md)"
    )
    parser.set_defaults(func=run)


def _check_evidence_dir(path: Path) -> None:
    """Refuse, before the output path is looked at, an argument that is not an evidence folder."""
    if path.is_file():
        hint = " (a stack file: `fleet check` validates it)" if path.suffix in YAML else ""
        raise FileProblem(
            str(path),
            f"a file, not an evidence folder{hint}; `fleet report` reads the folder that "
            "`fleet evidence --out` wrote",
        )
    if not path.exists():
        raise FileProblem(
            str(path), "no such evidence folder; write one with `fleet evidence --out` first"
        )


def run(args: argparse.Namespace) -> int:
    stderr = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
    out: Path = args.out or args.evidence_dir / "report.md"
    try:
        _check_evidence_dir(args.evidence_dir)
        files_out.check_file(out)
        evidence = load_evidence(args.evidence_dir)
        spec = parse_fleet(evidence.spec, f"{args.evidence_dir}/evidence.json (spec)")
    except (EvidenceError, SpecError, FileProblem) as error:
        stderr.print(str(error), markup=False)
        return EXIT_BAD_EVIDENCE
    validation = validate(evidence, spec)
    text = render(validation)
    files_out.write_text(out, text)
    print(text, end="")
    failures = validation.failures()
    verdict = f"FAIL: {len(failures)} rows failed" if failures else "PASS"
    stderr.print(f"{out}: {verdict}", markup=False)
    return EXIT_FAILED if failures else 0
