"""What the kind tier checks of a stack's cluster: the pods on its real nodes, and that
`make down` leaves nothing of it (cluster, node containers, Docker network, volumes)."""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fleet.stack.load import load_stack_file
from fleet.stack.spec import KindClusterSpec
from lab import kube
from lab.kind.user import Checkout, MakeRun

KIND_NODE_LABEL = "io.x-k8s.kind.cluster"


def ok(run: MakeRun) -> None:
    assert run.returncode == 0, f"make {' '.join(run.args)} failed:\n{run.output[-4000:]}"


def brought_up(checkout: Checkout, stack: str) -> Path:
    """`make up`, then `make evidence`, which keeps the kind cluster's kubeconfig; its path."""
    ok(checkout.make("up", f"STACK={stack}"))
    ok(checkout.make("evidence", f"STACK={stack}"))
    return checkout.root / "evidence" / stack / "kubeconfig"


def docker_lines(*args: str) -> list[str]:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines() if line.strip()]


def pods_on_real_nodes(api: Any, namespace: str, cluster: str) -> dict[str, str]:
    """Pod name -> phase, for the namespace's pods on the kind cluster's own nodes."""
    return {
        pod["metadata"]["name"]: pod["status"].get("phase", "")
        for pod in kube.items(kube.core(api).list_namespaced_pod, namespace)
        if (pod["spec"].get("nodeName") or "").startswith(cluster)
    }


@contextmanager
def made_down(checkout: Checkout, stack: str) -> Iterator[str]:
    """The stack's kind cluster name, for a block that brings the stack up; then `make down`
    (whatever the block did), after which no kind cluster, node container, Docker network
    or new volume of it is left."""
    spec = load_stack_file(checkout.stack_file(stack))
    assert isinstance(spec.cluster, KindClusterSpec)
    cluster = spec.cluster.name
    assert not docker_lines("ps", "-aq", "--filter", f"label={KIND_NODE_LABEL}={cluster}")
    volumes_before = set(docker_lines("volume", "ls", "-q"))
    try:
        yield cluster
    finally:
        down = checkout.make("down", f"STACK={stack}")
    ok(down)
    clusters = subprocess.run(
        ["kind", "get", "clusters"], env=checkout.env(), capture_output=True, text=True, check=True
    )
    assert cluster not in clusters.stdout.split()
    assert not docker_lines("ps", "-aq", "--filter", f"label={KIND_NODE_LABEL}={cluster}")
    assert "kind" not in docker_lines("network", "ls", "--format", "{{.Name}}")
    assert set(docker_lines("volume", "ls", "-q")) <= volumes_before
