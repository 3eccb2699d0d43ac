"""The tier's fallback for `pulumi up`: the stack's fleet on a kwokctl control plane.

Order matters: fake nodes first (with status), then the GPU stand-in advertises on
them, and only once all nodes are Ready with their GPUs do the demo workloads go
in, so that the scheduler sees the whole fleet on its first try.
"""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from e2e import apply, gpu_advertiser, kube, waits
from e2e.cluster import Cluster, kwok_cluster
from e2e.steps import step
from e2e.tools import ensure_tools
from fleet.manifests import stack_objects
from fleet.operator_values import topology_values
from fleet.spec import PROJECT, FleetSpec
from fleet.stackfile import load_stack_file

NODES_TIMEOUT = 120.0
DEMO_TIMEOUT = 180.0
DEMO_STABLE_SECONDS = 5.0


@dataclass(frozen=True)
class Fleet:
    cluster: Cluster
    api: Any
    spec: FleetSpec
    stack_file: Path  # the stack file with this cluster's kubeconfig and context filled in
    objects: list[dict[str, Any]]
    advertiser: gpu_advertiser.GpuAdvertiser


def stack_for_cluster(source: Path, cluster: Cluster) -> Path:
    """A copy of `source` (mode existing) pointing at `cluster`, next to its kubeconfig."""
    document = yaml.safe_load(source.read_text())
    settings = document["config"][f"{PROJECT}:cluster"]
    settings.update(kubeconfig=str(cluster.kubeconfig), context=cluster.context)
    target = cluster.workdir / source.name
    target.write_text(yaml.safe_dump(document, sort_keys=False))
    return target


@contextmanager
def fleet_on_kwok(stack: Path) -> Iterator[Fleet]:
    """Build tools, start the cluster, create the stack's objects, wait; always tear down."""
    with step("tools: build or reuse the Go binaries"):
        binaries = ensure_tools()
    with ExitStack() as teardown:
        with step("cluster: kwokctl create cluster --runtime binary"):
            cluster = teardown.enter_context(kwok_cluster(binaries))
        stack_file = stack_for_cluster(stack, cluster)
        spec = load_stack_file(stack_file)
        api = kube.api_client(cluster.kubeconfig)
        teardown.callback(api.close)
        objects = list(stack_objects(spec))
        topology = topology_values(spec)["topology"]
        advertiser = gpu_advertiser.start(api, topology)
        try:
            nodes = [obj for obj in objects if obj["kind"] == "Node"]
            with step(f"apply (fallback for pulumi up): {len(nodes)} fake nodes"):
                apply.create_objects(api, nodes)
            with step(f"wait: nodes Ready, {gpu_advertiser.NAME} advertising"):
                waits.wait_for_nodes(api, spec.total_nodes, spec.total_gpus, NODES_TIMEOUT)
            rest = [obj for obj in objects if obj["kind"] != "Node"]
            with step(f"apply (fallback for pulumi up): {len(rest)} demo objects"):
                apply.create_objects(api, rest)
            if spec.demo.enabled:
                pods = waits.expected_pod_count(rest)
                with step(f"wait: {pods} demo pods scheduled or FailedScheduling"):
                    waits.wait_for_demo(
                        api, spec.demo.namespace, pods, DEMO_TIMEOUT, DEMO_STABLE_SECONDS
                    )
            yield Fleet(cluster, api, spec, stack_file, objects, advertiser)
        finally:
            advertiser.stop()
