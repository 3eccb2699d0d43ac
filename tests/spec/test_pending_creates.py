"""`fleet pending-creates`: the refresh arguments that import the nodes an interrupted `up`
was creating, read from `pulumi stack export`."""

import io
import json
from typing import Any

import pytest

from fleet.cli import main

PARENTS = "urn:pulumi:s::gpu-fleet::gpu-fleet:index:GpuFleet$gpu-fleet:index:GpuNodePool"
NODE_URN = f"{PARENTS}$kubernetes:core/v1:Node::kwok-gpu-a100-7"
POOL_URN = f"{PARENTS}$pulumi-python:dynamic:Resource::a100-nodes"


def export(*operations: dict[str, Any]) -> str:
    return json.dumps(
        {"version": 3, "deployment": {"resources": [], "pending_operations": list(operations)}}
    )


def creating(urn: str, type_: str, name: str | None = None) -> dict[str, Any]:
    inputs = {"metadata": {"name": name}} if name else {}
    return {"type": "creating", "resource": {"urn": urn, "type": type_, "inputs": inputs}}


def run(
    text: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code = main(["pending-creates"])
    captured = capsys.readouterr()
    return code, captured.out.strip(), captured.err


def test_each_pending_node_create_becomes_a_urn_and_name_pair(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = export(
        creating(NODE_URN, "kubernetes:core/v1:Node", "kwok-gpu-a100-7"),
        creating(POOL_URN, "pulumi-python:dynamic:Resource"),  # cleared, not imported
        {"type": "updating", "resource": {"urn": "x", "type": "kubernetes:core/v1:Node"}},
    )
    code, out, _ = run(text, monkeypatch, capsys)
    assert code == 0
    assert out.split() == [
        "--import-pending-creates",
        NODE_URN,
        "--import-pending-creates",
        "kwok-gpu-a100-7",
    ]


def test_nothing_pending_prints_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(export(), monkeypatch, capsys)[:2] == (0, "")


def test_something_else_is_refused_clearly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run('{"resources": []}', monkeypatch, capsys)
    assert code == 2
    assert "<stdin>: no `deployment` object: is this the output of `pulumi stack export`?" in err
