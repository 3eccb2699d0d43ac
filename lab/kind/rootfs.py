"""Debian root filesystems made by debootstrap from Debian's packages, kept in the tier's cache.

Two are made: the kind node's (systemd, containerd, runc, the CNI plugins and what
kubelet and kind need, the package list of kind's own base image where Debian has the
package) and a small one that the tier's container images start from (the role
upstream gives ubuntu, alpine or distroless images).
"""

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lab.tools import BuildError, cache_dir

SUITE = "bookworm"


@dataclass(frozen=True)
class Rootfs:
    name: str
    packages: tuple[str, ...]


NODE_ROOTFS = Rootfs(
    "kind-node",
    (
        "systemd",
        "systemd-sysv",
        "dbus",
        "conntrack",
        "iptables",
        "nftables",
        "iproute2",
        "ethtool",
        "util-linux",
        "mount",
        "kmod",
        "libseccomp2",
        "pigz",
        "e2fsprogs",
        "bash",
        "ca-certificates",
        "curl",
        "jq",
        "procps",
        "containerd",
        "runc",
        "containernetworking-plugins",
    ),
)
IMAGE_ROOTFS = Rootfs(
    "image-base", ("iptables", "conntrack", "nftables", "iproute2", "ca-certificates")
)


def rootfs_dir(rootfs: Rootfs) -> Path:
    return cache_dir() / "kind" / "rootfs" / f"{rootfs.name}-{SUITE}"


def _install_debootstrap() -> None:
    if shutil.which("debootstrap") is not None:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "debootstrap"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BuildError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")


def ensure_rootfs(rootfs: Rootfs) -> Path:
    """The root filesystem folder, made when missing."""
    target = rootfs_dir(rootfs)
    marker = target / ".gpu-fleet-packages"
    wanted = "\n".join(rootfs.packages)
    if marker.is_file() and marker.read_text() == wanted:
        return target
    _install_debootstrap()
    scratch = target.with_name(f".{target.name}.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.parent.mkdir(parents=True, exist_ok=True)
    command = [
        "debootstrap",
        "--variant=minbase",
        f"--include={','.join(rootfs.packages)}",
        SUITE,
        str(scratch),
    ]
    print(f"  debootstrap {rootfs.name}: {' '.join(command)}", flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BuildError(f"debootstrap {rootfs.name} failed:\n{done.stdout[-3000:]}")
    (scratch / marker.name).write_text(wanted)
    shutil.rmtree(target, ignore_errors=True)
    scratch.replace(target)
    return target
