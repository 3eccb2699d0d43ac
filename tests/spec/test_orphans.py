"""`fleet orphans`: the nodes a perNode stack owns that its exported state does not hold."""

import io
import json
from pathlib import Path
from typing import Any

import pytest

from fleet.cli import main
from fleet.recovery.orphans import NotAnExport, nodes_in_state, orphans

NODE = "kubernetes:core/v1:Node"


def export(*names: str) -> dict[str, object]:
    resources: list[dict[str, Any]] = [{"type": "pulumi:pulumi:Stack", "urn": "s"}]
    resources += [{"type": NODE, "outputs": {"metadata": {"name": name}}} for name in names]
    return {"version": 3, "deployment": {"resources": resources}}


def test_orphans_are_the_owned_nodes_the_state_does_not_hold() -> None:
    recorded = nodes_in_state(export("kwok-gpu-a100-0", "kwok-gpu-a100-1"))
    assert recorded == {"kwok-gpu-a100-0", "kwok-gpu-a100-1"}
    owned = ["kwok-gpu-a100-1", "kwok-gpu-a100-0", "kwok-gpu-a100-3", "kwok-gpu-a100-2"]
    assert orphans(owned, recorded) == ["kwok-gpu-a100-2", "kwok-gpu-a100-3"]


def test_something_else_than_an_export_is_refused() -> None:
    with pytest.raises(NotAnExport, match="pulumi stack export"):
        nodes_in_state({"resources": []})


def test_a_per_pool_stack_has_none_to_delete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = tmp_path / "Pulumi.big.yaml"
    stack.write_text(
        "config:\n  gpu-fleet:cluster: {mode: kind, name: big}\n"
        "  gpu-fleet:nodeResources: perPool\n"
        "  gpu-fleet:pools: {a100: {nodes: 2, gpusPerNode: 8, product: NVIDIA-A100-SXM4-80GB}}\n"
    )
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(json.dumps(export()).encode())))
    assert main(["orphans", str(stack), "--delete"]) == 0
    assert "perPool: each pool adopts the nodes labelled as its own" in capsys.readouterr().out
