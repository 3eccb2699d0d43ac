"""One spelling of the command, `gpu-fleet`: in its usage line however it is started, in
the hints it prints, in `make help` and in every document.

The virtualenv's path (`venv/bin/gpu-fleet`), the module (`python -m fleet`) and a bare
`fleet check` were all in use at once; the docs say once how `gpu-fleet` gets on PATH.
"""

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from fleet.cli import CONSOLE_SCRIPT
from tests.paths import ROOT

CONSOLE = Path(sys.executable).parent / CONSOLE_SCRIPT
DOCUMENTS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "benchmarks" / "results").glob("*.md")),
]
SUBCOMMANDS = (
    "check|manifests|expect|evidence|report|import-topology|pool-from-nvidia-smi|trace|"
    "import-alibaba|replay|replay-clean|orphans"
)
OTHER_SPELLINGS = re.compile(
    rf"venv/bin/gpu-fleet|python -m fleet\b|(?<![-\w/.])fleet (?:{SUBCOMMANDS})\b"
)
# In the program's strings: a command quoted as one (prose such as "not fleet evidence"
# is no command).
QUOTED_OTHER_SPELLINGS = re.compile(
    rf"venv/bin/gpu-fleet|python -m fleet\b|`fleet (?:{SUBCOMMANDS})\b|: fleet (?:{SUBCOMMANDS})\b"
)


def test_the_installed_command_is_gpu_fleet() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"] == {CONSOLE_SCRIPT: "fleet.cli:main"}
    assert CONSOLE_SCRIPT == "gpu-fleet"


@pytest.mark.parametrize(
    "command", [[str(CONSOLE)], [sys.executable, "-m", "fleet"]], ids=["gpu-fleet", "module"]
)
def test_the_usage_line_says_gpu_fleet_however_it_was_started(command: list[str]) -> None:
    done = subprocess.run(
        [*command, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: gpu-fleet ")
    refused = subprocess.run(
        [*command, "no-such-command"], capture_output=True, text=True, timeout=60, check=False
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("usage: gpu-fleet ")


def _strings_outside_docstrings(path: Path) -> list[str]:
    """The string constants of a module that are not docstrings: what it may print."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_the_hints_the_program_prints_say_gpu_fleet() -> None:
    wrong = {
        (str(path.relative_to(ROOT)), text)
        for path in (ROOT / "fleet").rglob("*.py")
        for text in _strings_outside_docstrings(path)
        if QUOTED_OTHER_SPELLINGS.search(text)
    }
    assert wrong == set()


def test_make_help_says_no_other_spelling() -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "make demo" in done.stdout
    assert not OTHER_SPELLINGS.search(done.stdout)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_docs_spell_the_command_gpu_fleet(document: Path) -> None:
    lines = document.read_text(encoding="utf-8").splitlines()
    wrong = [f"{n}: {line}" for n, line in enumerate(lines, 1) if OTHER_SPELLINGS.search(line)]
    assert wrong == []


def test_the_docs_say_how_gpu_fleet_gets_on_path() -> None:
    for document in (ROOT / "README.md", ROOT / "docs" / "README.md"):
        assert ". venv/bin/activate" in document.read_text(encoding="utf-8"), document.name
