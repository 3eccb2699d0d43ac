"""Every `venv/bin/gpu-fleet` command README shows runs as printed, with the output shown.

Commands that need a running fleet (`evidence`, and `report` of its folder) are left
out: the evidence tests run them against recorded responses.
"""

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

PROMPT = "$ venv/bin/gpu-fleet "
# The command `make venv` installs beside this interpreter.
CONSOLE_SCRIPT = Path(sys.executable).parent / "gpu-fleet"
NEEDS_A_CLUSTER = ("evidence", "report")


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


def test_every_command_readme_shows_is_run_here_or_needs_a_cluster() -> None:
    """No command escapes the run below: every line README starts with the prompt is one the
    parser found in a console block, and each command README explains is among them."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert [command for command, _ in shown_commands()] == [
        line for line in lines if line.startswith(PROMPT)
    ]
    run_here = {command.removeprefix(PROMPT).split()[0] for command, _ in COMMANDS}
    assert run_here == {"check", "expect", "pool-from-nvidia-smi"}


@pytest.mark.parametrize(("command", "output"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_a_readme_command_prints_what_readme_shows(command: str, output: list[str]) -> None:
    args = shlex.split(command.removeprefix("$ "), comments=True)
    assert args[0] == "venv/bin/gpu-fleet"
    run = subprocess.run(  # the README's own command, run by the installed command
        [str(CONSOLE_SCRIPT), *args[1:]],
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


@pytest.mark.parametrize("command", [[str(CONSOLE_SCRIPT)], [sys.executable, "-m", "fleet"]])
def test_the_command_works_outside_the_checkout(command: list[str], tmp_path: Path) -> None:
    run = subprocess.run(
        [*command, "check", str(ROOT / "stacks" / "Pulumi.lesson1.yaml"), "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert '"totalGpus": 32' in run.stdout
