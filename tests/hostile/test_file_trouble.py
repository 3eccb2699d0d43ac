"""A file that cannot be read is named for what it is, on every command, before any validation."""

import codecs
import errno
import os
from pathlib import Path

import pytest

from fleet.files.files_in import UTF16_PROBLEM, FileProblem, read_text
from tests.hostile.run import run_fleet
from tests.paths import LESSON1_FILE

CAPTURE = "name, memory.total [MiB]\nNVIDIA H100 80GB HBM3, 81559 MiB\n"


def problem_of(path: Path) -> str:
    with pytest.raises(FileProblem) as raised:
        read_text(path)
    return raised.value.problem


def test_a_missing_file(tmp_path: Path) -> None:
    assert problem_of(tmp_path / "nope.yaml") == "no such file"


def test_a_path_through_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    assert problem_of(tmp_path / "file" / "nope.yaml").startswith("no such file (a part of")


def test_a_folder(tmp_path: Path) -> None:
    assert problem_of(tmp_path) == "a folder, not a file"


def test_a_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert problem_of(tmp_path / "a").startswith("a symbolic link loop")


def test_a_dangling_symlink_names_its_target(tmp_path: Path) -> None:
    (tmp_path / "link.yaml").symlink_to(tmp_path / "gone.yaml")
    assert problem_of(tmp_path / "link.yaml") == (
        f"a symbolic link to {tmp_path / 'gone.yaml'}, which does not exist"
    )


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests run as root, whom a mode of 000 does not stop: the open fails as it
    would for another user."""
    path = tmp_path / "secret.yaml"
    path.write_text("config: {}\n")

    def refuse(*_: object) -> int:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(os, "open", refuse)
    assert problem_of(path) == "not readable by this user (permission denied)"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_gets_a_powershell_hint(encoding: str, tmp_path: Path) -> None:
    path = tmp_path / "capture.csv"
    path.write_bytes(CAPTURE.encode(encoding))
    assert problem_of(path) == UTF16_PROBLEM
    assert "Out-File -Encoding utf8" in UTF16_PROBLEM


def test_a_utf8_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    path = tmp_path / "capture.csv"
    path.write_bytes(codecs.BOM_UTF8 + CAPTURE.encode())
    assert read_text(path) == CAPTURE


def test_a_capture_with_a_byte_order_mark_mirrors_its_node(tmp_path: Path) -> None:
    """Windows PowerShell's `Out-File -Encoding utf8` writes one."""
    path = tmp_path / "capture.csv"
    path.write_bytes(codecs.BOM_UTF8 + CAPTURE.encode())
    run = run_fleet(["pool-from-nvidia-smi", str(path)])
    assert run.code == 0, run.err
    assert "gpuMemoryMiB: 81559" in run.out


def _commands(path: Path, tmp_path: Path) -> dict[str, list[str]]:
    out = str(tmp_path / "out")
    return {
        "check": ["check", str(path)],
        "expect": ["expect", str(path)],
        "manifests": ["manifests", str(path)],
        "evidence": ["evidence", "--stack", str(path), "--out", out],
        "import-topology": ["import-topology", str(path), "--stack", "s", "--stacks-dir", out],
        "pool-from-nvidia-smi": ["pool-from-nvidia-smi", str(path)],
    }


@pytest.mark.parametrize(
    "command",
    ["check", "expect", "manifests", "evidence", "import-topology", "pool-from-nvidia-smi"],
)
@pytest.mark.parametrize("trouble", ["missing", "folder", "loop", "utf16"])
def test_every_command_names_the_trouble(command: str, trouble: str, tmp_path: Path) -> None:
    path = tmp_path / "input"
    expected = {
        "missing": "no such file",
        "folder": "a folder, not a file",
        "loop": "a symbolic link loop",
        "utf16": "UTF-16 text",
    }[trouble]
    if trouble == "folder":
        path.mkdir()
    elif trouble == "loop":
        path.symlink_to(path)
    elif trouble == "utf16":
        path.write_bytes(LESSON1_FILE.read_text().encode("utf-16"))
    run = run_fleet(_commands(path, tmp_path)[command])
    run.assert_refused(f"{path}: {expected}")
    assert "invalid fleet spec" not in run.err
    assert not (tmp_path / "out").exists()


def test_report_given_a_stack_file_says_so(tmp_path: Path) -> None:
    run = run_fleet(["report", str(LESSON1_FILE)])
    run.assert_refused(f"{LESSON1_FILE}: a file, not an evidence folder (a stack file")


def test_report_given_a_missing_folder_says_so(tmp_path: Path) -> None:
    run = run_fleet(["report", str(tmp_path / "nope")])
    run.assert_refused(f"{tmp_path / 'nope'}: no such evidence folder")
