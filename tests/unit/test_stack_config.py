"""`pulumi up` and `fleet check`: one loader, one set of rules, and stackConfigDir honoured."""

import json
from pathlib import Path

import pulumi
import pytest
import yaml

from fleet.cli import main
from fleet.files.files_in import FileProblem
from fleet.stack import project
from lab.mocks import install_mocks
from tests.unit.test_program import LESSON1, run_program


def _refusal(config: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lines of the RunError `pulumi up` stops with, after a run that registered nothing."""
    deployment = install_mocks()
    with pytest.raises(pulumi.RunError) as refused:
        run_program(config, monkeypatch, deployment)
    assert deployment.registrations == []
    return str(refused.value).splitlines()


def test_a_typo_in_a_top_level_key_stops_pulumi_up_as_it_stops_fleet_check(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = {**LESSON1, "demoo": {"enabled": True}}
    stack_file = tmp_path / "Pulumi.test.yaml"
    document = {"config": {f"gpu-fleet:{key}": value for key, value in config.items()}}
    stack_file.write_text(yaml.safe_dump(document))
    assert main(["check", str(stack_file)]) == 2
    check_lines = capsys.readouterr().err.splitlines()

    up_lines = _refusal(config, monkeypatch)
    assert up_lines[0] == "stacks/Pulumi.test.yaml: invalid fleet spec"
    assert up_lines[1:] == check_lines[1:]
    assert "gpu-fleet:demoo: unknown key; valid keys here:" in up_lines[1]


def test_the_message_names_the_stack_file_in_stack_config_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: gpu-fleet\nstackConfigDir: config/stacks\n")
    monkeypatch.setattr(project, "PROJECT_DIR", tmp_path)
    monkeypatch.chdir(tmp_path)
    lines = _refusal({**LESSON1, "cluster": "kind"}, monkeypatch)
    assert lines[0] == "config/stacks/Pulumi.test.yaml: invalid fleet spec"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[" * 10_000, "gpu-fleet:operator: not accepted JSON: nested deeper than 64 levels"),
        ('{"values": {"a": ' + "9" * 5000 + "}}", "a number of 5,000 characters"),
    ],
    ids=["deep", "huge-number"],
)
def test_hostile_config_values_are_refused_cleanly(
    value: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _refusal({**LESSON1, "operator": value}, monkeypatch)
    assert lines[0] == "stacks/Pulumi.test.yaml: invalid fleet spec"
    assert expected in lines[1]


def test_config_values_given_as_json_text_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    config = {**LESSON1, "demo": json.dumps({"enabled": False})}
    _, exports = run_program(config, monkeypatch)
    assert exports["totalNodes"] == 5


def test_stack_config_dir_of_the_project() -> None:
    assert project.stack_config_dir() == project.PROJECT_DIR / "stacks"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("name: p\n", "."), ("name: p\nstackConfigDir: conf\n", "conf")],
)
def test_stack_config_dir_defaults_to_the_project_folder(
    text: str, expected: str, tmp_path: Path
) -> None:
    (tmp_path / "Pulumi.yaml").write_text(text)
    assert project.stack_config_dir(tmp_path) == tmp_path / expected


def test_a_bad_stack_config_dir_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("stackConfigDir: [a]\n")
    with pytest.raises(FileProblem, match="stackConfigDir: must be a folder name"):
        project.stack_config_dir(tmp_path)
