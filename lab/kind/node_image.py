"""The kind node image `kindest/node:v1.36.1`, assembled offline the way kind builds its own.

kind's node image is its base image (Debian, systemd, containerd, runc, CNI plugins and
the files of kind's `images/base/files`) plus the Kubernetes binaries in /usr/bin, the
version in /kind/version, the default CNI manifest in /kind/manifests and the images
kubeadm needs already in containerd's store. `kind build node-image` pulls the images it
did not build from registries, which are out of reach here, so the tier does the same
steps itself:

1. base: the Debian root filesystem (`rootfs.NODE_ROOTFS`, Debian's containerd 1.6 and
   runc 1.1 where kind builds containerd 2 and runc 1.4 from source), kind's base files
   read from the kind module, and the set-up commands of kind's base Dockerfile;
2. node: kubeadm, kubelet and kubectl, /kind/version, the tier's pod network manifest
   (`node-network.yaml`; kind's kindnetd has no source a reachable registry serves), no
   storage manifest (kind then installs its host-path StorageClass), and every image of
   `images.py` imported into containerd, workloads included: nothing can be pulled, and
   the stack's pods must find their images when `make up` starts them.
"""

import hashlib
import io
import tarfile
from pathlib import Path

from lab import tools
from lab.kind import docker, docker_engine, images
from lab.kind.rootfs import NODE_ROOTFS, SUITE, ensure_rootfs
from lab.pins import KIND_VERSION, KUBERNETES_VERSION
from lab.tools import BuildError

NODE_IMAGE = f"kindest/node:{KUBERNETES_VERSION}"
PACKAGES_IMAGE = f"gpu-fleet-e2e/kind-node-packages:{SUITE}"
BASE_IMAGE = f"gpu-fleet-e2e/kind-base:{KIND_VERSION}-{SUITE}"
# The preloaded images' IDs, hashed: a node image whose label differs is rebuilt.
IMAGES_LABEL = "gpu-fleet-e2e.images"
ENTRYPOINT = '["/usr/local/bin/entrypoint", "/sbin/init"]'
IMAGE_CHANGES = ("ENV container=docker", f"ENTRYPOINT {ENTRYPOINT}")
# systemd stops on SIGRTMIN+3; commit cannot set this one.
STOP_SIGNAL = "STOPSIGNAL SIGRTMIN+3"

# kind's base Dockerfile's set-up, on Debian's packages: containerd where kind's unit
# starts it, the CNI plugins where kind's containerd configuration looks for them.
BASE_SETUP = """set -eu
find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete
rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \
  /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \
  /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*
echo ReadKMsg=no >> /etc/systemd/journald.conf
ln -sf /usr/lib/systemd/systemd /sbin/init
ln -sf /usr/bin/containerd /usr/local/bin/containerd
mkdir -p /opt/cni && rm -rf /opt/cni/bin && ln -s /usr/lib/cni /opt/cni/bin
systemctl enable kubelet.service containerd.service undo-mount-hacks.service
systemctl mask systemd-binfmt.service
mkdir -p /etc/kubernetes/manifests
ctr oci spec \
  | jq '.hooks.createContainer[.hooks.createContainer|length] |= . + \
        {"path": "/kind/bin/mount-product-files.sh"}' \
  | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json
"""

# A fact of the machine this tier was built on, not of users' machines: without
# CAP_SYS_RESOURCE (see docker_engine) no process in a node may lower an OOM score, and
# runc fails to start any pod whose score containerd lowers. containerd then keeps
# scores at or above its own, as kind already does for rootless nodes.
RESTRICT_OOM_SCORE = (
    "sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/'"
    " /etc/containerd/config.toml"
)

IMPORT_IMAGES = """set -eu
nohup containerd > /var/log/containerd-build.log 2>&1 &
for i in $(seq 60); do
  [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && break
  sleep 0.5
done
ctr --namespace=k8s.io images import --all-platforms --no-unpack --digests /tmp/images.tar
rm /tmp/images.tar
ctr --namespace=k8s.io images list -q
pkill containerd
while pgrep -x containerd >/dev/null; do sleep 0.2; done
"""


def _tar(entries: dict[str, tuple[bytes, int]]) -> bytes:
    """A tar of files only (path in the image -> content, mode); parents are created."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, (data, mode) in sorted(entries.items()):
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size = len(data)
            info.mode = mode
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def kind_base_files(scratch: Path) -> dict[str, tuple[bytes, int]]:
    """kind's `images/base/files`, from the kind module, with the modes its Dockerfile sets."""
    module = tools.module_dir(f"sigs.k8s.io/kind@{KIND_VERSION}", scratch)
    root = module / "images" / "base" / "files"
    entries = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_dir() or relative.parts[0] == "LICENSES":
            continue
        executable = relative.parts[:2] in (("usr", "local"), ("kind", "bin"))
        entries[f"/{relative}"] = (path.read_bytes(), 0o755 if executable else 0o644)
    return entries


class BuildContainer:
    """A container to change and commit, removed in any case."""

    def __init__(self, image: str, name: str) -> None:
        self.name = name
        docker.docker("rm", "-f", "-v", name)
        docker.docker(
            "run", "-d", f"--name={name}", "--entrypoint=sleep",
            "--security-opt", "seccomp=unconfined", image, "infinity",
        )  # fmt: skip

    def put(self, entries: dict[str, tuple[bytes, int]]) -> None:
        docker.docker("cp", "-", f"{self.name}:/", stdin=_tar(entries))

    def shell(self, script: str) -> str:
        return docker.docker("exec", self.name, "bash", "-c", script, what=f"in {self.name}")

    def commit(self, reference: str, changes: tuple[str, ...]) -> None:
        flags = [flag for change in changes for flag in ("--change", change)]
        docker.docker("commit", *flags, self.name, reference)
        docker.add_instructions(reference, [STOP_SIGNAL])

    def remove(self) -> None:
        docker.docker("rm", "-f", "-v", self.name)


def ensure_base_image(scratch: Path) -> None:
    """kind's base image on Debian's packages."""
    if docker.image_exists(BASE_IMAGE):
        return
    if not docker.image_exists(PACKAGES_IMAGE):
        rootfs = ensure_rootfs(NODE_ROOTFS)
        docker.import_rootfs(rootfs, PACKAGES_IMAGE)
    container = BuildContainer(PACKAGES_IMAGE, "gpu-fleet-e2e-kind-base-build")
    try:
        container.put(kind_base_files(scratch))
        container.shell(BASE_SETUP)
        container.commit(BASE_IMAGE, IMAGE_CHANGES)
    finally:
        container.remove()


def images_digest(references: list[str]) -> str:
    ids = [docker.docker("image", "inspect", "-f", "{{.Id}}", ref).strip() for ref in references]
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]


def _node_image_digest() -> str | None:
    if not docker.image_exists(NODE_IMAGE):
        return None
    label = docker.docker(
        "image", "inspect", "-f", f'{{{{index .Config.Labels "{IMAGES_LABEL}"}}}}', NODE_IMAGE
    )
    return label.strip() or None


def ensure_node_image(binaries: dict[str, Path], preload: list[str], scratch: Path) -> str:
    """`kindest/node:v1.36.1` with `preload` in containerd; "cached" or "built"."""
    restrict_oom_score = docker_engine.bounding_set_lacks_sys_resource()
    digest = images_digest(preload) + ("-restricted-oom" if restrict_oom_score else "")
    if _node_image_digest() == digest:
        return "cached"
    ensure_base_image(scratch)
    container = BuildContainer(BASE_IMAGE, "gpu-fleet-e2e-kind-node-build")
    try:
        entries = {
            f"/usr/bin/{name}": (binaries[f"{name}-{KUBERNETES_VERSION}"].read_bytes(), 0o755)
            for name in ("kubeadm", "kubelet", "kubectl")
        }
        entries["/kind/version"] = (KUBERNETES_VERSION.encode(), 0o644)
        manifest = images.NETWORK_MANIFEST.read_text().replace("IMAGE", images.NETWORK_IMAGE)
        entries["/kind/manifests/default-cni.yaml"] = (manifest.encode(), 0o644)
        container.put(entries)
        if restrict_oom_score:
            container.shell(RESTRICT_OOM_SCORE)
        archive = scratch / "images.tar"
        docker.save_images(preload, archive)
        docker.docker("cp", str(archive), f"{container.name}:/tmp/images.tar")
        archive.unlink()
        listed = container.shell(IMPORT_IMAGES)
        missing = [ref for ref in preload if not _listed(ref, listed)]
        if missing:
            raise BuildError(f"containerd in the node image lacks {missing}:\n{listed}")
        changes = (*IMAGE_CHANGES, f"LABEL {IMAGES_LABEL}={digest}")
        container.commit(NODE_IMAGE, changes)
    finally:
        container.remove()
    return "built"


def _listed(reference: str, listed: str) -> bool:
    """Whether ctr's list names `reference` (docker save writes `docker.io/` for short names)."""
    names = set(listed.split())
    first = reference.split("/", 1)[0]
    qualified = reference if "." in first else f"docker.io/{reference}"
    if qualified.count("/") == 1 and qualified.startswith("docker.io/"):
        qualified = qualified.replace("docker.io/", "docker.io/library/", 1)
    return reference in names or qualified in names
