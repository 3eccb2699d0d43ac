"""Lesson 1 and its DRA variant on a real kind cluster, with the README's commands as printed.

For each stack: `make up`, `make evidence`, `make report` (every row PASS), the stack file
grown by two a100 nodes, `make preview` (exactly two creates), `make up`, then `make
down`, after which no kind cluster, node container, Docker network or volume of the
stack is left. KWOK's controller and the operator's components run as the pods their
manifests and chart define, on the cluster's real worker, from images built here.

With GPU_FLEET_RECORD_EVIDENCE=1 (`make record-evidence`), each stack's evidence is also
written into examples/evidence/<stack>/ of this checkout, with its provenance.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fleet.stack import versions
from fleet.stack.load import load_stack_file
from lab import kube
from lab.kind.checks import brought_up, made_down, ok, pods_on_real_nodes
from lab.kind.tier import KindTier
from lab.kind.user import Checkout, offline_checkout
from lab.paths import ROOT

pytestmark = pytest.mark.e2e_kind

RECORD = os.environ.get("GPU_FLEET_RECORD_EVIDENCE") == "1"
PROVENANCE = (
    "recorded by the kind tier (`make record-evidence`) from a real run of the README's "
    "commands: `make up` of this stack under the real Pulumi engine {pulumi}, on a kind "
    "v0.32.0 cluster (node image kindest/node:{kubernetes} built from sources and Debian "
    "packages), with KWOK's controller and fake-gpu-operator {operator}'s components "
    "running as pods in the cluster from images built from their sources"
)


def _grow_a100(config: dict[str, Any]) -> None:
    config["gpu-fleet:pools"]["a100"]["nodes"] += 2


def _record(checkout: Checkout, stack: str, kubeconfig: Path) -> None:
    """`fleet evidence` of the live stack into examples/evidence/<stack>/ of this checkout,
    saying where it came from."""
    spec = load_stack_file(checkout.stack_file(stack))
    provenance = PROVENANCE.format(
        pulumi=versions.PULUMI_VERSION,
        kubernetes=versions.KUBERNETES_VERSION,
        operator=spec.operator.version,
    )
    target = ROOT / "examples" / "evidence" / stack
    shutil.rmtree(target, ignore_errors=True)
    args = ["--stack", str(checkout.stack_file(stack)), "--kubeconfig", str(kubeconfig)]
    command = [str(checkout.root / "venv" / "bin" / "python"), "-m", "fleet", "evidence", *args]
    done = subprocess.run(
        [*command, "--provenance", provenance, "--out", str(target)],
        cwd=checkout.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("stack", ["lesson1", "lesson1-dra"])
def test_the_readme_commands_on_a_real_kind_cluster(
    kind_tier: KindTier, tmp_path: Path, stack: str
) -> None:
    checkout = offline_checkout(tmp_path / "checkout", kind_tier, stack)
    with made_down(checkout, stack) as cluster:
        _user_path(checkout, stack, cluster)


def _user_path(checkout: Checkout, stack: str, cluster: str) -> None:
    kubeconfig = brought_up(checkout, stack)
    api = kube.api_client(kubeconfig)
    try:
        operator = pods_on_real_nodes(api, "gpu-operator", cluster)
        kwok = pods_on_real_nodes(api, "kube-system", cluster)
    finally:
        api.close()
    plugin = "kwok-dra-plugin" if stack.endswith("-dra") else "kwok-gpu-device-plugin"
    for component in ("status-updater", "topology-server", plugin):
        assert any(name.startswith(component) for name in operator), (component, operator)
    assert all(phase == "Running" for phase in operator.values()), operator
    assert any(name.startswith("kwok-controller") and kwok[name] == "Running" for name in kwok)
    report = checkout.make("report", f"STACK={stack}")
    ok(report)
    assert "FAIL" not in report.output
    if RECORD:
        _record(checkout, stack, kubeconfig)

    checkout.edit_stack(stack, _grow_a100)
    preview = checkout.make("preview", f"STACK={stack}")
    ok(preview)
    creates = [int(n) for n in re.findall(r"\+ (\d+) to create", preview.output)]
    assert creates == [2], preview.output[-3000:]
    assert not re.search(r"\d+ to (delete|replace)", preview.output), preview.output[-3000:]
    ok(checkout.make("up", f"STACK={stack}"))
