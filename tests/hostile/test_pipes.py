"""What the commands print into a pipe does not depend on the terminal nor on the length of
a path: run in a real pipe from a folder whose path is over 150 characters long, the
commands print the same text with COLUMNS=30 as with COLUMNS=1000, every line that names
the folder names it whole, and no cell is cut (`fleet/commands/output.py`)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import FIXTURES, ROOT, STACKS_DIR

# Runs each command (a tab-separated argv per line of standard input) through the CLI's
# `main`, in this one process, stderr into the same pipe as stdout, each after a header.
DRIVER = """
import sys
from fleet.cli import main
sys.stderr = sys.stdout
for line in sys.stdin.read().splitlines():
    argv = line.split("\\t")
    print("$ gpu-fleet " + " ".join(argv), flush=True)
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    print(f"exit {code}", flush=True)
"""
KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: nobody, user: {token: none}}]
contexts: [{name: gone, context: {cluster: gone, user: nobody}}]
current-context: gone
"""


def long_folder(base: Path) -> Path:
    """A folder under `base` whose path is at least 150 characters long."""
    folder = base
    while len(str(folder)) < 150:
        folder = folder / "a-rather-long-folder-name"
    folder.mkdir(parents=True)
    return folder


def commands(folder: Path) -> list[list[str]]:
    """Every command that runs without a cluster, with the paths it prints in `folder`."""
    for name in ("lesson1", "lesson1-kueue", "lesson1-kai", "lesson1-dra", "existing"):
        shutil.copy(STACKS_DIR / f"Pulumi.{name}.yaml", folder)
    shutil.copytree(ROOT / "examples" / "evidence" / "lesson1", folder / "evidence")
    (folder / "kubeconfig").write_text(KUBECONFIG)
    stack = str(folder / "Pulumi.{}.yaml")
    trace = str(folder / "trace.csv")
    return [
        ["check", stack.format("lesson1")],
        ["check", stack.format("lesson1-kueue")],
        ["expect", stack.format("lesson1")],
        ["expect", stack.format("lesson1-kai")],
        ["trace", stack.format("lesson1-dra"), "--jobs", "30", "--out", trace],
        ["expect", stack.format("lesson1-dra"), "--trace", trace],
        ["report", str(folder / "evidence")],
        [
            *("import-topology", str(FIXTURES / "topology" / "small.json")),
            *("--stack", "imported", "--stacks-dir", str(folder), "--force"),
        ],
        ["pool-from-nvidia-smi", str(FIXTURES / "nvidia-smi" / "h100-L.txt"), "--nodes", "3"],
        ["check", stack.format("missing")],
        [
            *("evidence", "--stack", stack.format("existing")),
            *("--kubeconfig", str(folder / "kubeconfig"), "--context", "gone"),
            *("--out", str(folder / "read")),
        ],
    ]


def piped(argvs: list[list[str]], folder: Path, columns: int) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(ROOT)}
    env.pop("LINES", None)
    done = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input="\n".join("\t".join(argv) for argv in argvs),
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    folder = long_folder(tmp_path_factory.mktemp("pipes"))
    argvs = commands(folder)
    return folder, piped(argvs, folder, 30), piped(argvs, folder, 1000)


def test_a_narrow_and_a_wide_pipe_get_the_same_text(outputs: tuple[Path, str, str]) -> None:
    _, narrow, wide = outputs
    assert narrow == wide


def test_every_line_naming_the_long_folder_names_it_whole(
    outputs: tuple[Path, str, str],
) -> None:
    folder, narrow, _ = outputs
    head = str(folder)[:40]
    naming = [line for line in narrow.splitlines() if head in line]
    assert len(naming) >= 10, narrow
    assert all(str(folder) in line for line in naming), narrow
    assert "…" not in narrow


def test_each_command_says_its_one_line_facts_on_one_line(
    outputs: tuple[Path, str, str],
) -> None:
    folder, narrow, _ = outputs
    lines = narrow.splitlines()
    trace = str(folder / "trace.csv")
    assert any(line.startswith(f"{trace}: 30 jobs, ") and "seed" in line for line in lines)
    assert any(line.startswith(f"{trace} on ") and " 30 jobs, " in line for line in lines)
    assert any(
        "no such file" in line and str(folder / "Pulumi.missing.yaml") in line for line in lines
    )
    assert any(
        line.startswith("cannot read the cluster at https://127.0.0.1:9")
        and "make up STACK=existing" in line
        for line in lines
    )
    exits = [line for line in lines if line.startswith("exit ")]
    assert exits == ["exit 0"] * 9 + ["exit 2"] * 2, narrow
