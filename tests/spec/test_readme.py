"""Every `venv/bin/python -m fleet` command README shows runs as printed, with the output shown.

Commands that need a running fleet (`evidence`, `replay`, `replay-clean`, and `report` of
their folders) are left out: the evidence tests run `evidence` and `report` against
recorded responses, the e2e tier `replay` and `replay-clean` (tests/e2e/test_8_replay.py).
"""

import shlex
import subprocess
import sys

import pytest

from tests.paths import ROOT

PROMPT = "$ venv/bin/python -m fleet "
NEEDS_A_CLUSTER = ("evidence", "report", "replay", "replay-clean")


def shown_commands() -> list[tuple[str, list[str]]]:
    """(command line, the output lines shown under it) for each fleet command in a console block."""
    found: list[tuple[str, list[str]]] = []
    in_console = False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_console = line == "```console"
        elif in_console and line.startswith("$ "):
            found.append((line, []))
        elif in_console and found and line:
            found[-1][1].append(line)
    return [(command, output) for command, output in found if command.startswith(PROMPT)]


COMMANDS = [
    (command, output)
    for command, output in shown_commands()
    if command.removeprefix(PROMPT).split()[0] not in NEEDS_A_CLUSTER
]


def test_readme_shows_the_commands_it_explains() -> None:
    assert len(COMMANDS) >= 6


@pytest.mark.parametrize(("command", "output"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_a_readme_command_prints_what_readme_shows(command: str, output: list[str]) -> None:
    args = shlex.split(command.removeprefix("$ "), comments=True)
    assert args[0] == "venv/bin/python"
    run = subprocess.run(  # the README's own command, run by this interpreter
        [sys.executable, *args[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "120", "TERM": "dumb"},
        check=False,
    )
    printed = [line.rstrip() for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    assert printed == [line.rstrip() for line in output]
    refused = any(line.endswith(": invalid fleet spec") for line in output)
    assert run.returncode == (2 if refused else 0)
