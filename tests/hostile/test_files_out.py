"""`fleet.files.files_out`: atomic replace through symlinks, keeping mode and line endings."""

import os
import stat
from pathlib import Path

import pytest

from fleet.files.files_in import FileProblem
from fleet.files.files_out import check_file, check_folder, write_text


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    target = tmp_path / "real" / "stack.yaml"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "Pulumi.s.yaml"
    link.symlink_to(Path("real") / "stack.yaml")
    write_text(link, "new\n")
    assert link.is_symlink()
    assert target.read_text() == "new\n"


def test_the_mode_of_the_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text("old\n")
    path.chmod(0o640)
    write_text(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_line_endings_are_the_callers(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    write_text(path, "a: 1\nb: 2\n", newline="\r\n")
    assert path.read_bytes() == b"a: 1\r\nb: 2\r\n"


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    write_text(tmp_path / "a.txt", "x\n")
    write_text(tmp_path / "a.txt", "y\n")
    assert [path.name for path in tmp_path.iterdir()] == ["a.txt"]


def test_exclusive_refuses_an_existing_file_and_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("keep\n")
    with pytest.raises(FileProblem, match="already exists; pass --force"):
        write_text(path, "new\n", exclusive=True)
    assert path.read_text() == "keep\n"


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("folder", "is a folder; give a file name"),
        ("file/under", "cannot write here: {tmp}/file is not a folder"),
        ("file/deeper/under", "cannot write here: {tmp}/file is not a folder"),
    ],
)
def test_paths_that_cannot_be_written_are_refused(
    where: str, expected: str, tmp_path: Path
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileProblem) as raised:
        check_file(tmp_path / where)
    assert str(raised.value) == f"{tmp_path / where}: {expected.format(tmp=tmp_path)}"


def test_a_folder_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileProblem, match="exists and is not a folder"):
        check_folder(tmp_path / "file")


def test_an_unwritable_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As root every folder is writable, so the permission answer is what is replaced.
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    with pytest.raises(FileProblem, match=f"cannot write here: {tmp_path} is not writable"):
        check_file(tmp_path / "a.txt")
    with pytest.raises(FileProblem, match="is not writable"):
        check_folder(tmp_path)
