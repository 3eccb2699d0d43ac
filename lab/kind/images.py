"""Every container image a kind cluster of this tier runs, built here (no registry is reachable).

Each image is the binary the tier built from its source, on the tier's small Debian
root filesystem (upstream uses ubuntu, alpine or distroless bases), at the path and
with the entrypoint its upstream image has, under the exact name and tag that kubeadm,
kind's containerd configuration, KWOK's manifests and the operator's chart refer to.
"""

import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from fleet.stack import versions
from lab import charts, tools
from lab.kind import docker
from lab.kind.rootfs import IMAGE_ROOTFS, SUITE, ensure_rootfs
from lab.pins import (
    COREDNS_VERSION,
    ETCD_IMAGE_TAG,
    KAI_UPSTREAM,
    KUBERNETES_VERSION,
    KUEUE_TOOL,
    OPERATOR_DRA_VERSION,
    OPERATOR_VERSION,
)
from lab.tools import BuildError

IMAGE_BASE = f"gpu-fleet-e2e/image-base:{SUITE}"
# kind's containerd configuration names this sandbox image (sandbox_image).
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
NETWORK_IMAGE = "gpu-fleet-e2e/node-network:v1"
NETWORK_SCRIPT = Path(__file__).with_name("node-network.sh")
NETWORK_MANIFEST = Path(__file__).with_name("node-network.yaml")


@dataclass(frozen=True)
class Image:
    """`reference` FROM `base` with `files` (path in the image -> binary name in the cache,
    or a file of a source tree), run as `user` (uid:gid) where the upstream image sets one."""

    reference: str
    files: dict[str, str | Path]
    entrypoint: tuple[str, ...] | None = None
    base: str = IMAGE_BASE
    user: str | None = None


def _kube_image(name: str) -> Image:
    return Image(
        f"registry.k8s.io/{name}:{KUBERNETES_VERSION}",
        {f"/usr/local/bin/{name}": f"{name}-{KUBERNETES_VERSION}"},
    )


CLUSTER_IMAGES: tuple[Image, ...] = (
    _kube_image("kube-apiserver"),
    _kube_image("kube-controller-manager"),
    _kube_image("kube-scheduler"),
    _kube_image("kube-proxy"),
    Image(
        f"registry.k8s.io/etcd:{ETCD_IMAGE_TAG}",
        {"/usr/local/bin/etcd": f"etcd-{versions.ETCD_VERSION}"},
    ),
    Image(
        f"registry.k8s.io/coredns/coredns:{COREDNS_VERSION}",
        {"/coredns": f"coredns-{COREDNS_VERSION}"},
        ("/coredns",),
    ),
    Image(
        NETWORK_IMAGE,
        {
            "/usr/local/bin/kubectl": f"kubectl-{KUBERNETES_VERSION}",
            "/usr/local/bin/node-network.sh": "node-network.sh",
        },
        ("/bin/sh", "/usr/local/bin/node-network.sh"),
    ),
)

KWOK_IMAGE = Image(
    f"registry.k8s.io/kwok/kwok:{versions.KWOK_VERSION}",
    {"/usr/local/bin/kwok": f"kwok-{versions.KWOK_VERSION}"},
    ("/usr/local/bin/kwok",),
)

# The operator's components whose pods run on a real node of a lesson stack, by the
# chart's values key: the command, and where the upstream image keeps it.
OPERATOR_COMPONENTS: dict[str, tuple[str, ...]] = {
    "statusUpdater": ("/bin/status-updater",),
    "topologyServer": ("/bin/topology-server",),
    "kwokGpuDevicePlugin": ("/bin/kwok-gpu-device-plugin",),
    "kwokDraPlugin": ("/bin/kwok-dra-plugin",),
    "statusExporter": ("/usr/local/bin/status-exporter", "/usr/local/bin/status-exporter-kwok"),
}


def operator_images(version: str, available: set[str]) -> list[Image]:
    """The operator's images as its chart (the copy the tier installs) names them."""
    chart = charts.operator_chart(version)
    values = yaml.safe_load((chart / "values.yaml").read_text())
    app_version = yaml.safe_load((chart / "Chart.yaml").read_text())["appVersion"]
    images = []
    for key, paths in OPERATOR_COMPONENTS.items():
        image = (values.get(key) or {}).get("image")
        if not image:
            continue
        files: dict[str, str | Path] = {
            path: f"{Path(path).name}-{version}"
            for path in paths
            if f"{Path(path).name}-{version}" in available
        }
        if not files:
            raise BuildError(f"no binary for the operator's {key} image of {version}")
        tag = image.get("tag") or app_version
        images.append(Image(f"{image['repository']}:{tag}", files, (paths[0],)))
    return images


# Kueue's image: its manager at /manager, run as the distroless base's nonroot user
# (the chart's pod asks for `runAsNonRoot`, which a numeric non-zero user satisfies).
KUEUE_MANAGER = "/manager"
NONROOT_USER = "65532:65532"


def kueue_image() -> Image:
    """Kueue's manager image as the chart the tier installs names it."""
    values = yaml.safe_load((charts.kueue_chart() / "values.yaml").read_text())
    image = values["controllerManager"]["manager"]["image"]
    return Image(
        f"{image['repository']}:{image['tag']}",
        {KUEUE_MANAGER: KUEUE_TOOL.binary_name},
        (KUEUE_MANAGER,),
        user=NONROOT_USER,
    )


# KAI's images: each command at /workspace/app, run as 65532 (KAI's release Dockerfile).
KAI_APP = "/workspace/app"
# The images KAI's chart and operator run, by the chart's values key: its operator and
# the controllers the operator deploys for the chart's default Config and
# SchedulingShard. Not built: `resourcereservation` (the binder's GPU-sharing pods),
# `nodescaleadjuster` and `scalingpod` (cluster autoscaling), `numa-placement-exporter`
# (only with the NUMA plugin on), all off for these stacks.
KAI_COMMAND_IMAGES = (
    "operator",
    "scheduler",
    "binder",
    "podgrouper",
    "podgroupcontroller",
    "queuecontroller",
    "admission",
)
# The chart's hooks (CRD upgrade, topology migration, the `kai-config` deployer, the
# post-delete cleanup) run bash and kubectl from the crd-upgrader image, which also
# holds the chart's CRDs and the script that applies them.
CRD_UPGRADER_KEY = "crdupgrader"
CRD_UPGRADER_SCRIPT = "deployments/crd-upgrader/apply-crds.sh"


def kai_images() -> list[Image]:
    """KAI's images as the chart the tier installs names them (registry, name, tag)."""
    chart = charts.kai_chart()
    values = yaml.safe_load((chart / "values.yaml").read_text())
    tag = (
        values["global"].get("tag")
        or yaml.safe_load((chart / "Chart.yaml").read_text())["appVersion"]
    )

    def reference(key: str) -> str:
        return f"{values['global']['registry']}/{values[key]['image']['name']}:{tag}"

    images = [
        Image(
            reference(key),
            {KAI_APP: f"kai-{key}-{versions.KAI_VERSION}"},
            (KAI_APP,),
            user=NONROOT_USER,
        )
        for key in KAI_COMMAND_IMAGES
    ]
    script = "/apply-crds.sh"
    files: dict[str, str | Path] = {
        "/usr/bin/kubectl": f"kubectl-{KUBERNETES_VERSION}",
        script: tools.upstream_source(KAI_UPSTREAM) / CRD_UPGRADER_SCRIPT,
    }
    files |= {f"/internal-crds/{crd.name}": crd for crd in sorted(chart.glob("crds/*.yaml"))}
    images.append(Image(reference(CRD_UPGRADER_KEY), files, (script,), user=NONROOT_USER))
    return images


def workload_images(available: set[str]) -> list[Image]:
    """KWOK's controller, both operator versions' images, Kueue's and KAI's."""
    return [
        KWOK_IMAGE,
        *operator_images(OPERATOR_VERSION, available),
        *operator_images(OPERATOR_DRA_VERSION, available),
        kueue_image(),
        *kai_images(),
    ]


def ensure_image_base() -> None:
    if docker.image_exists(IMAGE_BASE):
        return
    rootfs = ensure_rootfs(IMAGE_ROOTFS)
    docker.import_rootfs(rootfs, IMAGE_BASE)


def pause_binary(scratch: Path) -> Path:
    """Kubernetes' pause program, compiled from the module's build/pause/linux/pause.c."""
    target = tools.bin_dir() / "pause-3.10"
    if target.exists():
        return target
    module = tools.module_dir(f"k8s.io/kubernetes@{KUBERNETES_VERSION}", scratch)
    source = module / "build" / "pause" / "linux" / "pause.c"
    partial = target.with_name(".pause.partial")
    command = ["gcc", "-Os", "-Wall", "-Werror", "-static", "-DVERSION=v3.10"]
    done = subprocess.run(
        [*command, "-o", str(partial), str(source)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BuildError(f"compiling {source} failed (needs gcc and static libc):\n{done.stderr}")
    partial.replace(target)
    return target


def ensure_images(images: list[Image], binaries: dict[str, Path]) -> None:
    """Build each image that docker does not have yet."""
    ensure_image_base()
    for image in images:
        if docker.image_exists(image.reference):
            continue
        files = {
            target: binaries[name] if isinstance(name, str) else name
            for target, name in image.files.items()
        }
        docker.build_image(image.reference, image.base, files, image.entrypoint, image.user)


def ensure_pause_image(scratch: Path) -> None:
    if docker.image_exists(PAUSE_IMAGE):
        return
    pause = pause_binary(scratch)
    docker.build_image(PAUSE_IMAGE, "scratch", {"/pause": pause}, ("/pause",))
