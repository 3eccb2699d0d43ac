"""Everything `make e2e-kind` needs before a stack runs, built or reused, each step timed.

The Docker engine must already answer (see `docker_engine`). The steps: the binaries
(the e2e tier's, kind's, a node's and KAI's operator's), the Pulumi engine, KWOK's
manifests, the operator's, Kueue's and KAI's charts, the container images and the node
image. Each is cached under the tier's cache, so a warm run only checks that they are
there.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from fleet.stack import versions
from lab import charts, steps, tools
from lab.kind import images, node_image
from lab.pins import (
    KAI_IMAGE_TOOLS,
    KIND_TOOLS,
    KIND_VERSION,
    OPERATOR_DRA_VERSION,
    OPERATOR_IMAGE_TOOLS,
    TOOLS,
)


@dataclass(frozen=True)
class KindTier:
    engine: tools.Engine
    # Holds `kind` and `pulumi`: what a user has on PATH.
    path: tuple[Path, ...]
    kwok_manifests: list[Path]
    charts: dict[str, Path]
    # The charts of the schedulers whose images the tier builds, by `gpu-fleet:scheduler`.
    scheduler_charts: dict[str, Path]


def kind_bin_dir(binaries: dict[str, Path]) -> Path:
    """A folder with the cached kind binary under the name users call it by."""
    folder = tools.cache_dir() / "kind" / "bin"
    folder.mkdir(parents=True, exist_ok=True)
    tools.place(binaries[f"kind-{KIND_VERSION}"], folder / "kind")
    return folder


def prepare() -> KindTier:
    with steps.step("kind tier: binaries (e2e tools, kind, kubelet, kubeadm, kube-proxy)"):
        binaries = tools.ensure_tools(TOOLS + KIND_TOOLS + OPERATOR_IMAGE_TOOLS + KAI_IMAGE_TOOLS)
    binaries["node-network.sh"] = images.NETWORK_SCRIPT
    with steps.step("kind tier: Pulumi engine"):
        engine = tools.ensure_engine(binaries)
    with steps.step("kind tier: KWOK manifests, operator and scheduler charts"):
        kwok = tools.kwok_manifests(binaries["kubectl"])
        operator_charts = {
            version: charts.operator_chart(version)
            for version in (versions.OPERATOR_VERSION, OPERATOR_DRA_VERSION)
        }
        scheduler_charts = {"kueue": charts.kueue_chart(), "kai": charts.kai_chart()}
    with tempfile.TemporaryDirectory(prefix="gpu-fleet-kind-") as scratch:
        with steps.step("kind tier: container images"):
            wanted = [*images.CLUSTER_IMAGES, *images.workload_images(set(binaries))]
            images.ensure_images(wanted, binaries)
            images.ensure_pause_image(Path(scratch))
        with steps.step(f"kind tier: node image {node_image.NODE_IMAGE}"):
            preload = [image.reference for image in wanted] + [images.PAUSE_IMAGE]
            status = node_image.ensure_node_image(binaries, preload, Path(scratch))
            print(f"  {status} {node_image.NODE_IMAGE} ({len(preload)} images preloaded)")
    path = (engine.bin_dir, kind_bin_dir(binaries))
    return KindTier(engine, path, kwok, operator_charts, scheduler_charts)
