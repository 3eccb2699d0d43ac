"""The commands that need the stack's live cluster say, when it is not there, which
cluster and context the stack names and the command that brings it up (before `make up`,
`gpu-fleet replay stacks/Pulumi.lesson1.yaml ...` used to blame ~/.kube/config)."""

import socket
from pathlib import Path

import pytest

from fleet.cli import main
from lab.recorded import write_kubeconfig
from tests.paths import LESSON1_FILE

NAMED = (
    "stack lesson1's cluster is the kind cluster ai-factory-lab (context "
    "kind-ai-factory-lab); if it is not up, bring it up with `make up STACK=lesson1`"
)


def _commands(tmp_path: Path, trace: Path) -> dict[str, list[str]]:
    stack = str(LESSON1_FILE)
    return {
        "evidence": ["evidence", "--stack", stack, "--out", str(tmp_path / "ev")],
        "replay": ["replay", stack, str(trace), "--out", str(tmp_path / "replay")],
        "replay-clean": ["replay-clean", stack],
    }


def _trace(tmp_path: Path) -> Path:
    trace = tmp_path / "trace.csv"
    assert main(["trace", str(LESSON1_FILE), "--jobs", "3", "--out", str(trace)]) == 0
    return trace


@pytest.mark.parametrize("command", ["evidence", "replay", "replay-clean"])
def test_no_kubeconfig_at_all_names_the_stacks_cluster(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    args = _commands(tmp_path, _trace(tmp_path))[command]
    capsys.readouterr()
    assert main(args) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "cannot load the kubeconfig (context kind-ai-factory-lab)" in err
    assert NAMED in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["evidence", "replay-clean"])
def test_a_kubeconfig_whose_cluster_is_down_names_the_stacks_cluster(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    assert main(_commands(tmp_path, tmp_path / "unused.csv")[command]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"cannot read the cluster at http://127.0.0.1:{port}" in err
    assert err.endswith(NAMED)


def test_orphans_names_the_stacks_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = tmp_path / "Pulumi.lesson1.yaml"
    stack.write_text(LESSON1_FILE.read_text())
    state = tmp_path / "state.json"
    state.write_text('{"version": 3, "deployment": {"resources": []}}')
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    assert main(["orphans", str(stack), "--state", str(state)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "context kind-ai-factory-lab" in out
    assert NAMED in out
