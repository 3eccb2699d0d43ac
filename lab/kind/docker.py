"""Small wrappers over the docker CLI: run, ask whether an image exists, build from a folder."""

import io
import json
import os
import subprocess
import tarfile
from collections.abc import Sequence
from pathlib import Path

from lab.tools import BuildError


def docker(*args: str, stdin: bytes | None = None, what: str | None = None) -> str:
    """Run `docker ARGS`; its stdout, or a BuildError with its stderr."""
    done = subprocess.run(["docker", *args], input=stdin, capture_output=True, check=False)
    if done.returncode != 0:
        label = what or f"docker {' '.join(args[:3])}"
        raise BuildError(f"{label} failed:\n{done.stderr.decode(errors='replace')[-3000:]}")
    return done.stdout.decode(errors="replace")


def image_exists(reference: str) -> bool:
    done = subprocess.run(
        ["docker", "image", "inspect", reference], capture_output=True, check=False
    )
    return done.returncode == 0


def import_rootfs(rootfs: Path, reference: str, changes: Sequence[str] = ()) -> None:
    """`docker import` of a root filesystem folder, with Dockerfile `changes`."""
    tar = subprocess.Popen(
        ["tar", "-C", str(rootfs), "--numeric-owner", "-cf", "-", "."], stdout=subprocess.PIPE
    )
    change_flags = [flag for change in changes for flag in ("--change", change)]
    done = subprocess.run(
        ["docker", "import", *change_flags, "-", reference],
        stdin=tar.stdout,
        capture_output=True,
        check=False,
    )
    tar.wait()
    if tar.returncode != 0 or done.returncode != 0:
        raise BuildError(f"docker import {reference} failed:\n{done.stderr.decode()[-3000:]}")


def build_image(
    reference: str,
    base: str,
    files: dict[str, Path],
    entrypoint: Sequence[str] | None = None,
    user: str | None = None,
) -> None:
    """An image `FROM base` with `files` (path in the image -> file on the host), mode 0755,
    run as `user` (uid:gid) when given.

    Docker's classic builder is used (no BuildKit, which would look up `base` in a
    registry first).
    """
    lines = [f"FROM {base}"]
    context: dict[str, bytes] = {}
    for index, (target, source) in enumerate(sorted(files.items())):
        name = f"file-{index}"
        context[name] = source.read_bytes()
        lines.append(f"COPY {name} {target}")
    if entrypoint is not None:
        lines.append(f"ENTRYPOINT {json.dumps(list(entrypoint))}")
    if user is not None:
        lines.append(f"USER {user}")
    _build(reference, "\n".join(lines) + "\n", context)


def add_instructions(reference: str, instructions: Sequence[str]) -> None:
    """Rebuild `reference` FROM itself with Dockerfile `instructions` that `docker commit`
    and `docker import` cannot set (STOPSIGNAL)."""
    _build(reference, "\n".join([f"FROM {reference}", *instructions]) + "\n", {})


def _build(reference: str, dockerfile: str, context: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in {"Dockerfile": dockerfile.encode(), **context}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            archive.addfile(info, io.BytesIO(data))
    done = subprocess.run(
        ["docker", "build", "--quiet", "-t", reference, "-"],
        input=buffer.getvalue(),
        capture_output=True,
        check=False,
        env={**os.environ, "DOCKER_BUILDKIT": "0"},
    )
    if done.returncode != 0:
        raise BuildError(f"docker build {reference} failed:\n{done.stderr.decode()[-3000:]}")


def save_images(references: Sequence[str], target: Path) -> None:
    """`docker save` of several images into one archive (shared layers stored once)."""
    docker("save", "-o", str(target), *references, what=f"docker save {len(references)} images")
