#!/usr/bin/env python3
"""runc, minus CAP_SYS_RESOURCE: a fact of the machine this tier was built on, not of users'.

That machine's capability bounding set lacks CAP_SYS_RESOURCE (see `CapBnd` in
/proc/self/status), and Docker gives a `--privileged` container every capability it
knows, so runc fails with "unable to apply caps: operation not permitted" and no kind
node starts. Registered as dockerd's default runtime by the kind tier only when the
host lacks that capability, this program removes it from the OCI bundle's config.json
(`create`/`run --bundle DIR`) and from the process file of `exec --process FILE`, then
runs runc with the same arguments. A host whose bounding set is complete never uses it.
"""

import json
import os
import sys

CAPABILITY = "CAP_SYS_RESOURCE"
SUBCOMMANDS = {
    "create",
    "run",
    "exec",
    "start",
    "kill",
    "delete",
    "state",
    "update",
    "pause",
    "resume",
    "events",
    "ps",
    "list",
    "checkpoint",
    "restore",
    "features",
}
RUNC = os.environ.get("GPU_FLEET_REAL_RUNC", "/usr/sbin/runc")


def _option(args: list[str], *names: str) -> str | None:
    """The value of `--name VALUE` or `--name=VALUE` in `args`, for any of `names`."""
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                return args[index + 1]
            if arg.startswith(f"{name}="):
                return arg.split("=", 1)[1]
    return None


def _drop(capabilities: dict[str, list[str]]) -> None:
    for key, names in capabilities.items():
        capabilities[key] = [name for name in names if name != CAPABILITY]


def _edit(path: str, process_of: str) -> None:
    with open(path) as file:
        document = json.load(file)
    process = document.get("process", {}) if process_of == "bundle" else document
    capabilities = process.get("capabilities")
    if not capabilities:
        return
    _drop(capabilities)
    with open(path, "w") as file:
        json.dump(document, file)


def main() -> None:
    args = sys.argv[1:]
    # Global options (--root DIR, --log FILE, ...) come before the command.
    command = next((arg for arg in args if arg in SUBCOMMANDS), "")
    if command in ("create", "run"):
        bundle = _option(args, "--bundle", "-b") or os.getcwd()
        _edit(os.path.join(bundle, "config.json"), "bundle")
    elif command == "exec":
        process_file = _option(args, "--process", "-p")
        if process_file:
            _edit(process_file, "process")
    os.execv(RUNC, [RUNC, *args])  # noqa: S606 (replaces this process by runc, as it must)


if __name__ == "__main__":
    main()
