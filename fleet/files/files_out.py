"""The one way out for every file the program writes: checked first, then replaced atomically.

`check_file` and `check_folder` run before a command does any work, so that an
output path that cannot be written is reported before a cluster is read or a
stack is built. `write_text` then replaces the file in one step (an interrupted
write leaves the old file), through a symlink to its target, keeping the
target's mode and the line ending the caller asks for.
"""

import os
import secrets
import stat
from pathlib import Path

from fleet.files.files_in import FileProblem


def _problem(path: Path, what: str, error: OSError | None = None) -> FileProblem:
    reason = f": {error.strerror or error}" if error is not None else ""
    return FileProblem(str(path), f"{what}{reason}")


def _existing_ancestor(path: Path) -> Path:
    """The nearest folder above `path` that exists (or the first thing that is not a folder)."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent


def _check_parent(path: Path) -> None:
    ancestor = _existing_ancestor(path)
    if not ancestor.is_dir():
        raise _problem(path, f"cannot write here: {ancestor} is not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise _problem(path, f"cannot write here: {ancestor} is not writable")


def check_file(path: Path, *, may_exist: bool = True) -> None:
    """Refuse, before any work, a file path that `write_text` could not write."""
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise _problem(path, "is a folder; give a file name")
    if target.exists():
        if not may_exist:
            raise _problem(path, "already exists; pass --force to replace it")
        if not target.is_file():
            raise _problem(path, "is not a regular file")
        if not os.access(target.parent, os.W_OK | os.X_OK):
            raise _problem(path, f"cannot replace it: {target.parent} is not writable")
        return
    _check_parent(target)


def check_folder(path: Path) -> None:
    """Refuse, before any work, a folder path that cannot hold new files."""
    if path.exists():
        if not path.is_dir():
            raise _problem(path, "exists and is not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise _problem(path, "is not writable")
        return
    _check_parent(path)


def make_folder(path: Path) -> None:
    check_folder(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _problem(path, "cannot create the folder", error) from None


def write_text(path: Path, text: str, *, newline: str = "\n", exclusive: bool = False) -> None:
    """Write `text` (lines ending in `\\n`) to `path` atomically, with `newline` line endings.

    A symlink is written through: its target is replaced and the link stays.
    An existing file keeps its mode; a new one gets the usual mode (umask
    applies). `exclusive` refuses to replace an existing file.
    """
    check_file(path, may_exist=not exclusive)
    target = Path(os.path.realpath(path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _problem(path, "cannot create its folder", error) from None
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with open(descriptor, "w", encoding="utf-8", newline=newline) as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if target.exists():
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        if exclusive:  # claim the name first: fails if the file appeared meanwhile
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        os.replace(temporary, target)
    except FileExistsError:
        raise _problem(path, "already exists; pass --force to replace it") from None
    except OSError as error:
        raise _problem(path, "cannot write the file", error) from None
    finally:
        temporary.unlink(missing_ok=True)
