"""Plain values that YAML 1.1 (this program's reader) and the Pulumi engine's YAML reader
could read differently are refused, by `fleet check` and by `pulumi up` alike.

tests/e2e/test_3_bad_stack.py runs the same values under the real engine.
"""

from pathlib import Path

import pulumi
import pytest

from fleet.cli import EXIT_BAD_INPUT, main
from fleet.stack import project
from lab.mocks import install_mocks
from tests.paths import LESSON1_FILE
from tests.unit.test_program import LESSON1, run_program

# (the line, what the message must advise)
TWO_WAYS = {
    "leading-zero": ("nodes: 010", "write a plain decimal number"),
    "hex": ("nodes: 0x2", "write a plain decimal number"),
    "underscore": ("nodes: 1_0", "write a plain decimal number"),
    "base-60": ("nodes: 1:20", "write a plain decimal number"),
    "yaml-1.2-octal": ("nodes: 0o10", "is text to YAML 1.1 (this check) and a number"),
    "exponent": ("nodes: 1e1", "is text to YAML 1.1 (this check) and a number"),
    "yes": ("enabled: yes", "write true or false"),
    "off": ("enabled: off", "write true or false"),
    "date": ("namespace: 2026-11-30", 'write "2026-11-30" in quotes'),
}


def with_line(line: str) -> str:
    """lesson1 with `line` in place of the a100 pool's nodes, the demo's switch or namespace."""
    key = line.split(":")[0]
    original = {"nodes": "nodes: 2", "enabled": "enabled: true", "namespace": "enabled: true"}[key]
    text = LESSON1_FILE.read_text()
    if key == "namespace":
        return text.replace(original, f"{original}\n    {line}", 1)
    return text.replace(original, line, 1)


@pytest.mark.parametrize("case", TWO_WAYS, ids=str)
def test_fleet_check_refuses_a_value_read_two_ways(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line, advice = TWO_WAYS[case]
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(with_line(line))
    assert main(["check", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: invalid fleet spec\n  line ")
    assert line.split(": ")[1] in err
    assert advice in err


@pytest.mark.parametrize(
    "line", ["nodes: 2", "nodes: +2", 'namespace: "2026-11-30"', "enabled: True", "enabled: false"]
)
def test_values_every_reader_reads_alike_are_accepted(
    line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(with_line(line))
    assert main(["check", str(path)]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("case", ["leading-zero", "yes"])
def test_pulumi_up_refuses_the_stack_file_as_fleet_check_does(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The engine hands the program its own reading of the file (8 for 010, "yes" as text);
    the program reads the stack's file as `fleet check` does and stops with its message."""
    (tmp_path / "Pulumi.yaml").write_text("name: gpu-fleet\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    stack_file = tmp_path / "stacks" / "Pulumi.test.yaml"
    stack_file.write_text(with_line(TWO_WAYS[case][0]))
    monkeypatch.setattr(project, "PROJECT_DIR", tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "stacks/Pulumi.test.yaml"]) == EXIT_BAD_INPUT
    check_lines = capsys.readouterr().err.splitlines()

    deployment = install_mocks()
    with pytest.raises(pulumi.RunError) as refused:
        run_program(LESSON1, monkeypatch, deployment)
    assert deployment.registrations == []
    assert str(refused.value).splitlines() == check_lines
