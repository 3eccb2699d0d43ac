"""A STAND-IN for the `kind` CLI, so that `KindCluster` runs under the engine here.

kind needs a container engine, which the tier's machines do not have. This stand-in
answers the three calls the `KindCluster` component makes, with a kwokctl control
plane in place of kind's node containers:

- `kind create cluster --name N --image I --config - --wait 5m`: starts a kwokctl
  cluster N (the config on stdin is kept beside it, to show what kind was given);
- `kind get kubeconfig --name N`: prints that cluster's kubeconfig as kind prints one,
  its CA, client certificate and client key inline (`*-data`, base64);
- `kind delete cluster --name N`: deletes it.

Each call's environment is kept (mode 600) in `environments/<verb>-<noun>-<N>.json`
under the root, so that a test can tell what the Command provider handed each command.

It is not kind: there are no node containers, and the kubeconfig points at a local
API server. Tests that use it say so. Clusters live under `$GPU_FLEET_KIND_STANDIN_ROOT`.
"""

import argparse
import base64
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import yaml

from lab import cluster, tools
from lab.paths import ROOT
from lab.pins import CONTROL_PLANE_TOOLS

ROOT_VARIABLE = "GPU_FLEET_KIND_STANDIN_ROOT"


def _root() -> Path:
    return Path(os.environ[ROOT_VARIABLE])


def _binaries() -> dict[str, Path]:
    return {tool.name: tools.binary_path(tool) for tool in CONTROL_PLANE_TOOLS}


def _kubeconfig(name: str) -> Path:
    return _root() / name / "clusters" / name / "kubeconfig.yaml"


# kwokctl's kubeconfig names files; kind's carries their content.
INLINED = {
    "certificate-authority": "certificate-authority-data",
    "client-certificate": "client-certificate-data",
    "client-key": "client-key-data",
}


def inline_kubeconfig(path: Path) -> str:
    """The kubeconfig at `path` with the files it names inlined, as kind prints it."""
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    entries = [c.get("cluster") or {} for c in document.get("clusters") or []]
    entries += [u.get("user") or {} for u in document.get("users") or []]
    for entry in entries:
        for key, inline in INLINED.items():
            if key in entry:
                named = path.parent / entry.pop(key)
                entry[inline] = base64.b64encode(named.read_bytes()).decode()
    return yaml.safe_dump(document, sort_keys=False)


def record_environment(root: Path, call: str) -> None:
    """This call's environment, readable by its owner only."""
    folder = root / "environments"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{call}.json"
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        json.dump(dict(os.environ), out, indent=1)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kind (e2e stand-in)")
    parser.add_argument("verb", choices=["create", "get", "delete"])
    parser.add_argument("noun", choices=["cluster", "kubeconfig"])
    parser.add_argument("--name", required=True)
    parser.add_argument("--image")
    parser.add_argument("--config")
    parser.add_argument("--wait")
    args = parser.parse_args(argv)
    print(f"kind STAND-IN: {shlex.join(['kind', *argv])}", file=sys.stderr)
    record_environment(_root(), f"{args.verb}-{args.noun}-{args.name}")
    workdir = _root() / args.name
    if (args.verb, args.noun) == ("create", "cluster"):
        if args.config == "-":
            workdir.mkdir(parents=True, exist_ok=True)
            (workdir / "kind-config.yaml").write_text(sys.stdin.read())
        (workdir / "image").write_text(f"{args.image}\n")
        cluster.create_cluster(_binaries(), args.name, workdir)
        return 0
    if (args.verb, args.noun) == ("get", "kubeconfig"):
        print(inline_kubeconfig(_kubeconfig(args.name)), end="")
        return 0
    if (args.verb, args.noun) == ("delete", "cluster"):
        cluster.delete_cluster(_binaries(), workdir, args.name)
        return 0
    parser.error(f"the stand-in does not answer `kind {args.verb} {args.noun}`")
    return 2


def write_shim(directory: Path, root: Path) -> Path:
    """An executable `kind` in `directory` that runs this stand-in with this interpreter."""
    directory.mkdir(parents=True, exist_ok=True)
    shim = directory / "kind"
    shim.write_text(
        "#!/bin/sh\n"
        "# e2e STAND-IN for kind: see lab/kind_standin.py\n"
        f"export {ROOT_VARIABLE}={shlex.quote(str(root))}\n"
        f"export PYTHONPATH={shlex.quote(str(ROOT))}\n"
        f'exec {shlex.quote(sys.executable)} -m lab.kind_standin "$@"\n'
    )
    shim.chmod(0o755)
    return shim


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
