"""Stack files a careful user writes by mistake, and the message each one gets."""

import re
import shlex
import stat
import subprocess
from pathlib import Path

import pytest

from fleet.cli import EXIT_BAD_INPUT, main
from tests.paths import LESSON1_FILE

LESSON1 = LESSON1_FILE.read_text()


def refusal(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(text)
    assert main(["check", str(path)]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.removeprefix(f"{path}: invalid fleet spec\n  ")


def test_a_version_yaml_reads_as_a_number_is_to_be_quoted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = LESSON1 + "  gpu-fleet:operator:\n    version: 0.2\n"
    assert refusal(text, tmp_path, capsys) == (
        "gpu-fleet:operator.version: text is expected, not a number (0.2): write it in quotes, "
        'version: "0.2"\n'
    )


def test_a_key_with_and_without_the_namespace_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = LESSON1 + "  cluster:\n    mode: kind\n    name: other\n"
    assert refusal(text, tmp_path, capsys) == (
        "gpu-fleet:cluster: given twice, as `gpu-fleet:cluster` and `cluster` "
        "(a key without a namespace is this project's); keep one\n"
    )


def test_an_oversized_pod_that_fits_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """lesson1's largest nodes have 8 GPUs: a pod of 8 would run and show nothing."""
    err = refusal(LESSON1 + "    oversizedGpus: 8\n", tmp_path, capsys)
    assert err.startswith("gpu-fleet:demo.oversizedGpus: 8 GPUs fit on one node of this fleet")
    assert "set more than 8, or drop the key (default: 16)" in err


def test_the_smallest_oversized_pod_that_does_not_fit_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(LESSON1 + "    oversizedGpus: 9\n")
    assert main(["check", str(path)]) == 0, capsys.readouterr().err


def test_an_empty_queue_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = refusal(LESSON1.replace("queueReplicas: 40", "queueReplicas: 0"), tmp_path, capsys)
    assert err.startswith("gpu-fleet:demo.queueReplicas: 0 replicas queue nothing")
    assert "(default: the fleet's GPUs + 8, here 40)" in err


ENCRYPTED_KUBECONFIG_STACK = """\
config:
  gpu-fleet:cluster:
    mode: existing
    allowFakeNodes: true
    kubeconfig:
      secure: v1:c2FsdA==:Y2lwaGVydGV4dA==
  gpu-fleet:pools:
    a100: {nodes: 1, gpusPerNode: 8, product: NVIDIA-A100-SXM4-80GB}
"""


def test_a_kubeconfig_kept_as_a_pulumi_secret_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`pulumi config set --secret --path gpu-fleet:cluster.kubeconfig` writes `secure:`."""
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(ENCRYPTED_KUBECONFIG_STACK)
    assert main(["check", str(path)]) == 0, capsys.readouterr().err
    out = tmp_path / "ev"
    assert main(["evidence", "--stack", str(path), "--out", str(out)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("gpu-fleet:cluster.kubeconfig: a Pulumi secret, which only the engine")
    assert "give --kubeconfig FILE" in err
    assert not out.exists()


KUBECONFIG_TEXT = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: t0ken}}]\n"


def test_the_command_the_refusal_gives_writes_the_kubeconfig_mode_600(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run as given, by a shell whose umask is 022, over a file already there with mode
    644 (the `pulumi` that answers is a stand-in printing a kubeconfig)."""
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(ENCRYPTED_KUBECONFIG_STACK)
    assert main(["evidence", "--stack", str(path), "--out", str(tmp_path / "ev")]) != 0
    given = re.search(r"`([^`]*> FILE[^`]*)`", capsys.readouterr().err)
    assert given is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(f"#!/bin/sh\nprintf '%s' {shlex.quote(KUBECONFIG_TEXT)}\n")
    (bin_dir / "pulumi").chmod(0o755)
    target = tmp_path / "my kubeconfig"
    target.write_text("old\n")
    target.chmod(0o644)
    command = given.group(1).replace("FILE", shlex.quote(str(target)))
    subprocess.run(
        ["sh", "-c", f"umask 022 && {command}"],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        check=True,
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == KUBECONFIG_TEXT


def test_a_secret_elsewhere_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = ENCRYPTED_KUBECONFIG_STACK.replace("{nodes: 1,", "{nodes: {secure: v1:x},")
    assert refusal(text, tmp_path, capsys) == (
        "gpu-fleet:pools.a100.nodes: a Pulumi secret; of this project's keys only "
        "cluster.kubeconfig may be one\n"
    )
