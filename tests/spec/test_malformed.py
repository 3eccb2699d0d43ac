"""Each malformed stack file is refused with exit 2 and a message naming the field.

Every file in `malformed/` starts with `# expect: <text>`: the text that the
error message must contain (the config key path and what is wrong).
"""

from pathlib import Path

import pytest

from fleet.cli import EXIT_BAD_INPUT, main

MALFORMED = sorted((Path(__file__).parent / "malformed").glob("*.yaml"))


def expected_message(path: Path) -> str:
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# expect: "), f"{path.name} lacks its # expect: line"
    return first_line.removeprefix("# expect: ")


def test_corpus_is_large_enough() -> None:
    assert len(MALFORMED) >= 20


@pytest.mark.parametrize("path", MALFORMED, ids=lambda path: path.stem)
def test_malformed_stack_is_refused_with_a_clear_message(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(path)]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{path}: invalid fleet spec")
    assert expected_message(path) in captured.err
    assert "Traceback" not in captured.err


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "Pulumi.nope.yaml"
    assert main(["check", str(missing)]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == f"{missing}: no such file\n"
