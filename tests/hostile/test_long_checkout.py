"""The fast tier passes from a checkout at any path: the project is copied under a folder
whose path is over 150 characters long and a part of the tier whose output names paths
(the trace forecast, the commands in a pipe, the package layers, the commands' refusals)
runs there, importing the copy."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.test_pipes import long_folder
from tests.paths import ROOT

# What a checkout holds (no virtualenv, caches, state or results of local runs).
PROJECT = (
    "Makefile",
    "Pulumi.yaml",
    "README.md",
    "__main__.py",
    "pyproject.toml",
    "benchmarks",
    "components",
    "docs",
    "examples",
    "fleet",
    "lab",
    "stacks",
    "tests",
)
CACHES = ("__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache")
PATH_SENSITIVE = (
    "tests/replay/test_dra_rows.py",
    "tests/hostile/test_pipes.py",
    "tests/hostile/test_commands.py",
    "tests/spec/test_layers.py",
)
# Where the copy's packages are imported from, printed by a process started as the tier's.
IMPORTED_FROM = ("fleet", "components", "lab", "tests")
IMPORTED = (
    "import importlib, pathlib\n"
    f"for name in {IMPORTED_FROM!r}:\n"
    "    print(pathlib.Path(importlib.import_module(name).__file__).parent)\n"
)


def copy_checkout(target: Path) -> None:
    target.mkdir()
    for name in PROJECT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns(*CACHES))
        else:
            shutil.copy2(source, target / name)


def test_the_path_sensitive_tests_pass_from_a_checkout_at_a_long_path(
    tmp_path: Path,
) -> None:
    checkout = long_folder(tmp_path) / "gpu-fleet"
    copy_checkout(checkout)
    env = {**os.environ, "PYTHONPATH": str(checkout), "COLUMNS": "40"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *PATH_SENSITIVE],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    imported = subprocess.run(
        [sys.executable, "-c", IMPORTED],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert imported.stdout.split() == [str(checkout / name) for name in IMPORTED_FROM]
    assert " passed" in done.stdout
    assert "skipped" not in done.stdout


@pytest.mark.parametrize("name", PROJECT)
def test_the_copied_checkout_holds_what_the_project_has(name: str) -> None:
    """A top-level entry renamed or removed shows here, not as a confusing failure above."""
    assert (ROOT / name).exists()
