"""The copy of a stack file the engine reads under `make`: the stack file's text now, with
the secrets settings the engine wrote into the previous copy (README, Quick start)."""

from pathlib import Path

import pytest

from fleet.stack.engine_config import engine_copy, main

STACK = "# lesson\nconfig:\n  gpu-fleet:pools: {}\n"


def test_a_first_copy_is_the_stack_file() -> None:
    assert engine_copy(STACK, None) == STACK


def test_the_salt_the_engine_wrote_is_carried_into_the_next_copy() -> None:
    previous = "config:\n  gpu-fleet:pools: {}\nencryptionsalt: v1:abc:v1:def:ghi\n"
    edited = STACK.replace("{}", "{a: 1}")
    assert engine_copy(edited, previous) == edited + "encryptionsalt: v1:abc:v1:def:ghi\n"


def test_a_cloud_secrets_provider_is_carried_whole() -> None:
    previous = "secretsprovider: awskms://alias/x\nencryptedkey: AQID\nconfig: {}\n"
    assert engine_copy(STACK.rstrip("\n"), previous) == (
        STACK + "secretsprovider: awskms://alias/x\nencryptedkey: AQID\n"
    )


def test_a_stack_file_with_its_own_salt_is_copied_as_it_is() -> None:
    own = STACK + "encryptionsalt: v1:own\n"
    assert engine_copy(own, "encryptionsalt: v1:other\n") == own


def test_a_broken_stack_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack = tmp_path / "Pulumi.x.yaml"
    stack.write_text("config: [\n")
    assert main([str(stack), str(tmp_path / "copy.yaml")]) == 2
    assert f"make: {stack}: not valid YAML" in capsys.readouterr().err
    assert not (tmp_path / "copy.yaml").exists()
