"""The copy of a stack file that `make` gives the engine (`--config-file`), so that the
engine's own additions never land in the tracked stack file.

On a file backend the engine keeps a stack's secrets settings (`encryptionsalt`, or
`secretsprovider` and `encryptedkey`) in the stack config file it reads, and rewrites
that file to add them. The copy is the stack file's text as it is now, followed by those
settings as the engine last wrote them into the copy; a stack file that carries its own
(written by an engine before `make` made copies) is copied as it is.

Run as `python -m fleet.stack.engine_config STACK_FILE COPY`.
"""

import sys
from pathlib import Path
from typing import Any

import yaml

from fleet.files import files_in, files_out

SECRETS_KEYS = ("secretsprovider", "encryptedkey", "encryptionsalt")


def _secrets_settings(document: Any) -> dict[str, str]:
    if not isinstance(document, dict):
        return {}
    return {key: str(document[key]) for key in SECRETS_KEYS if document.get(key)}


def engine_copy(stack_text: str, previous_copy: str | None, source: str = "stack file") -> str:
    """The text the engine reads: the stack file's (named `source` in errors), plus the
    secrets settings of the previous copy unless the stack file has its own."""
    own = _secrets_settings(files_in.load_yaml(stack_text, source))
    if own or previous_copy is None:
        return stack_text
    carried = _secrets_settings(files_in.load_yaml(previous_copy, "engine copy"))
    if not carried:
        return stack_text
    separator = "" if stack_text.endswith("\n") or not stack_text else "\n"
    return stack_text + separator + yaml.safe_dump(carried, sort_keys=False)


def write_engine_copy(stack_file: Path, copy: Path) -> None:
    previous = files_in.read_text(copy) if copy.is_file() else None
    text = engine_copy(files_in.read_text(stack_file), previous, str(stack_file))
    files_out.write_text(copy, text)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: engine_config STACK_FILE COPY (run by make)", file=sys.stderr)
        return 2
    try:
        write_engine_copy(Path(argv[0]), Path(argv[1]))
    except files_in.FileProblem as error:
        print(f"make: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
