"""Every `gpu-fleet` command README and the docs show runs as printed, with the output shown.

Each runs in a scratch copy of the folders the commands read (`stacks/`, `examples/`,
`tests/fixtures/`), so that a command that writes leaves the checkout alone: `trace --out`
writes there as given, and `import-topology`, which writes into the checkout's `stacks/`
by default, is given the scratch copy's (`--stacks-dir stacks`, the same path relative to
where it runs, so it prints the same lines). Commands that need a running fleet
(`evidence`, `report`, `replay`, `replay-clean`, `orphans`) are left out: the evidence
tests run `evidence` and `report` against recorded responses, the e2e tier `replay`,
`replay-clean` and `orphans` (tests/e2e/test_8_replay.py, test_8_pool_safety.py). So are
commands that read `node.csv`, a capture the line before makes on a GPU machine.
"""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fleet.stack.load import load_stack_file
from lab.readme import console_commands
from tests.e2e.test_8_pool_safety import RECOVERY_HEADING
from tests.paths import ROOT

PROMPT = "$ gpu-fleet "
# The command `make venv` installs beside this interpreter.
CONSOLE_SCRIPT = Path(sys.executable).parent / "gpu-fleet"
NEEDS_A_CLUSTER = ("evidence", "report", "replay", "replay-clean", "orphans")
GPU_MACHINE_CAPTURE = "node.csv"
READ_BY_COMMANDS = ("stacks", "examples", "tests/fixtures")
# Where a command writes into the checkout by default, the scratch copy instead.
INTO_SCRATCH = {"import-topology": ["--stacks-dir", "stacks"]}
# The broken inputs in examples/: a command on one exits 2.
REFUSED = {
    "examples/Pulumi.broken.yaml",
    "examples/Pulumi.old-dra.yaml",
    "examples/topology-bad.json",
}
DOCUMENTS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "benchmarks" / "results").glob("*.md")),
]


def shown_commands(document: Path) -> list[tuple[str, list[str]]]:
    """(command line, the output lines shown under it) for each `gpu-fleet` command in a
    console block of `document`."""
    found: list[tuple[str, list[str]]] = []
    in_console = False
    for line in document.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_console = line == "```console"
        elif in_console and line.startswith("$ "):
            found.append((line, []))
        elif in_console and found and line:
            found[-1][1].append(line)
    return [(command, output) for command, output in found if command.startswith(PROMPT)]


def _runs_here(command: str) -> bool:
    args = shlex.split(command.removeprefix("$ "), comments=True)
    return args[1] not in NEEDS_A_CLUSTER and GPU_MACHINE_CAPTURE not in args


SHOWN = [
    (document, command, output)
    for document in DOCUMENTS
    for command, output in shown_commands(document)
]
RUN_HERE = [
    (document, command, output) for document, command, output in SHOWN if _runs_here(command)
]


def _name(document: Path) -> str:
    return str(document.relative_to(ROOT))


def test_every_command_the_docs_show_is_run_here_or_needs_what_a_test_cannot_have() -> None:
    """No command escapes the run below: every line a document starts with the prompt is
    one the parser found in a console block, and the commands not run are exactly those
    that need a cluster or a GPU machine."""
    for document in DOCUMENTS:
        lines = document.read_text(encoding="utf-8").splitlines()
        assert [command for command, _ in shown_commands(document)] == [
            line for line in lines if line.startswith(PROMPT)
        ], _name(document)
    run_here = {command.split()[2] for _, command, _ in RUN_HERE}
    assert run_here == {"check", "expect", "import-topology", "pool-from-nvidia-smi", "trace"}
    left_out = {command.split()[2] for _, command, _ in SHOWN if not _runs_here(command)}
    assert left_out == {"evidence", "report", "replay", "replay-clean", "pool-from-nvidia-smi"}


@pytest.mark.parametrize(
    ("document", "command", "output"),
    RUN_HERE,
    ids=[f"{_name(document)}: {command}" for document, command, _ in RUN_HERE],
)
def test_a_documented_command_prints_what_the_document_shows(
    document: Path, command: str, output: list[str], tmp_path: Path
) -> None:
    for folder in READ_BY_COMMANDS:
        shutil.copytree(ROOT / folder, tmp_path / folder)
    args = shlex.split(command.removeprefix("$ "), comments=True)
    assert args[0] == "gpu-fleet"
    run = subprocess.run(  # the document's own command, run by the installed command
        [str(CONSOLE_SCRIPT), *args[1:], *INTO_SCRATCH.get(args[1], [])],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "120", "TERM": "dumb"},
        check=False,
    )
    printed = [line.rstrip() for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    assert printed == [line.rstrip() for line in output]
    assert run.returncode == (2 if REFUSED & set(args) else 0)


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


def test_the_recovery_commands_the_e2e_tier_runs_are_the_docs() -> None:
    """tests/e2e/test_8_pool_safety.py runs the commands under this heading as printed."""
    commands = console_commands(RECOVERY_HEADING, "s")
    assert commands[0] == "pulumi cancel --yes --stack s"
    assert "| gpu-fleet orphans stacks/Pulumi.s.yaml --delete" in commands[2]
    assert commands[-1] == "pulumi up --yes --stack s"


def test_the_minimal_stack_file_of_readme_is_valid(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## A minimal stack file\n", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```\n", 1)[0]
    stack_file = tmp_path / "Pulumi.my-fleet.yaml"
    stack_file.write_text(block, encoding="utf-8")
    spec = load_stack_file(stack_file)
    assert (spec.total_nodes, spec.total_gpus) == (4, 24)
    assert spec.demo.enabled
