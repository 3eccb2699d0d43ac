"""The limits of `fleet.files.files_in`, one class of hostile input at a time."""

import io
import os
import sys
from pathlib import Path

import pytest

from fleet.files import files_in
from fleet.files.files_in import FileProblem, load_json, load_yaml, read_text

# Ten levels of nine aliases each: 9**10 values once expanded, a few hundred bytes written.
LAUGHS = "l0: &l0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)
)


def problem(call: object) -> str:
    assert callable(call)
    with pytest.raises(FileProblem) as raised:
        call()
    return str(raised.value)


def test_bytes_that_are_not_utf8_name_the_line_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"config:\n  a: caf\xe9\n")
    assert problem(lambda: read_text(path)) == (
        f"{path}: not UTF-8 text: line 2, byte offset 16 (byte 0xe9)"
    )


def test_reading_stops_at_the_size_cap() -> None:
    message = problem(lambda: read_text("/dev/zero"))
    assert message == "/dev/zero: larger than 1 MiB; is this the right file?"


def test_standard_input_is_capped_too(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"x" * (files_in.MAX_TEXT_BYTES + 1)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert problem(lambda: read_text("-")).startswith("<stdin>: larger than 1 MiB")


def test_a_named_pipe_nobody_writes_to_reads_as_empty_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert read_text(fifo) == ""


def test_a_folder_is_not_read(tmp_path: Path) -> None:
    assert problem(lambda: read_text(tmp_path)) == f"{tmp_path}: a folder, not a file"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: " + "[" * 10_000, "line 1, column 67: nested deeper than 64 levels"),
        ("".join(" " * i + "- \n" for i in range(100)), "line 65, column 65: nested deeper"),
        (LAUGHS, "more than 10,000 values once aliases are expanded"),
        ("a: &a [*a]\n", "nested deeper than 64 levels"),
        ("? [a, b]\n: 1\n", "line 1, column 3: a key must be a plain value"),
        ("a: " + "9" * 5000, "line 1, column 4: a number of 5,000 characters; at most 32"),
        ("a: 0x" + "f" * 100, "a number of 102 characters"),
        ("a: 1." + "5" * 100, "a number of 102 characters"),
        ("- 1\n" * 20_000, "line 10000, column 3: more than 10,000 values"),
        ("a: 1\na: 2\n", "line 2, column 1: key 'a' is given twice"),
        ("a: \x00", "line 1: character U+0000 is not allowed in YAML"),
        ("a: !!python/name:os.system x", "could not determine a constructor"),
    ],
    ids=[
        "deep-flow",
        "deep-block",
        "billion-laughs",
        "recursive-alias",
        "complex-key",
        "huge-int",
        "huge-hex",
        "huge-float",
        "many-values",
        "duplicate-key",
        "nul",
        "python-tag",
    ],
)
def test_hostile_yaml_is_refused_with_its_line(text: str, expected: str) -> None:
    message = problem(lambda: load_yaml(text, "s.yaml"))
    assert message.startswith("s.yaml: not valid YAML: ")
    assert expected in message


def test_anchors_aliases_and_merge_keys_within_the_limits_still_work() -> None:
    text = "base: &b {mode: kind, name: x}\ncluster: {<<: *b, name: y}\ncopy: *b\n"
    assert load_yaml(text, "s.yaml") == {
        "base": {"mode": "kind", "name": "x"},
        "cluster": {"mode": "kind", "name": "y"},
        "copy": {"mode": "kind", "name": "x"},
    }


def test_a_long_value_is_echoed_cut() -> None:
    """A key given twice is named, cut to MAX_ECHO characters with its length.

    (A plain YAML key is at most 1,024 characters: a longer one is a syntax error.)"""
    key = "k" * 1000
    message = problem(lambda: load_yaml(f"{key}: 1\n{key}: 2\n", "s.yaml"))
    shown = f"'{'k' * (files_in.MAX_ECHO - 1)}... (1002 characters)"
    assert message == (
        f"s.yaml: not valid YAML: line 2, column 1: key {shown} is given twice "
        "(each pool and key may be declared only once)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 100_000, "not accepted JSON: nested deeper than 64 levels"),
        ("[" * 70 + "]" * 70, "not accepted JSON: nested deeper than 64 levels"),
        ('{"a":\n' + "9" * 5000 + "}", "not accepted JSON: line 2: a number of 5,000 characters"),
        ('{"a": 1, "a": 2}', "not valid JSON: key 'a' is given twice"),
        ("{not json", "not valid JSON: line 1, column 2"),
        ("[" + "{}," * 1_000_001 + "{}]", "not accepted JSON: more than 1,000,000 objects and"),
        ("[" + "1," * 1_000_001 + "1]", "not accepted JSON: more than 1,000,000 values"),
    ],
    ids=["deep", "deep-closed", "huge-int", "duplicate", "syntax", "objects", "values"],
)
def test_hostile_json_is_refused(text: str, expected: str) -> None:
    assert expected in problem(lambda: load_json(text, "e.json"))


def test_cut_says_how_long_the_value_was() -> None:
    assert files_in.shorten("x" * 200) == repr("x" * 200)[:80] + "... (202 characters)"
    assert files_in.cut("short") == "short"
