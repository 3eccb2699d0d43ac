"""What the user's machine already has at the pinned versions, used before anything is
built or downloaded: the Pulumi CLI on PATH with its language host and exec shim beside
it (as Pulumi's own install lays them out), provider plugins in the user's Pulumi home,
and kwok, kwokctl and kubectl on PATH.

A tool found at another version is not used (the tiers are tested with the pins).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

from lab.pins import (
    EXEC_SHIM,
    KUBERNETES_VERSION,
    KWOK_VERSION,
    LANGUAGE_HOST,
    PULUMI_CLI,
    PULUMI_TAG,
    Tool,
)

VERSION_TIMEOUT = 20.0


def _output(command: list[str]) -> str:
    """What `command` prints, or "" when it cannot run or fails."""
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=VERSION_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""


def pulumi_on_path() -> Path | None:
    """The user's `pulumi` on PATH when it is the pinned version with its language host
    and exec shim beside it (a standard install), resolved through links."""
    found = shutil.which("pulumi")
    if found is None:
        return None
    cli = Path(found).resolve()
    beside = (cli.parent / LANGUAGE_HOST.name, cli.parent / EXEC_SHIM)
    if not all(path.is_file() for path in beside):
        return None
    return cli if _output([str(cli), "version"]).strip() == PULUMI_TAG else None


def plugin_dir(home: Path, tool: Tool) -> Path:
    """Where a Pulumi home keeps the plugin `tool` is: plugins/<kind>-<name>-v<version>."""
    assert tool.plugin is not None
    kind, name = tool.plugin
    version = tool.version.removeprefix("v")
    return home / "plugins" / f"{kind}-{name}-v{version}"


def user_pulumi_home() -> Path:
    return Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")


def _user_plugin(tool: Tool) -> Path | None:
    binary = plugin_dir(user_pulumi_home(), tool) / tool.name
    return binary if binary.is_file() else None


def _kwok_on_path(name: str) -> Path | None:
    """kwok or kwokctl on PATH when `--version` names the pinned release."""
    found = shutil.which(name)
    if found is None:
        return None
    words = _output([found, "--version"]).split()
    return Path(found) if KWOK_VERSION in words else None


def _kubectl_on_path() -> Path | None:
    found = shutil.which("kubectl")
    if found is None:
        return None
    try:
        client = json.loads(_output([found, "version", "--client", "-o", "json"]) or "{}")
    except json.JSONDecodeError:
        return None
    version = client.get("clientVersion", {}).get("gitVersion") if client else None
    return Path(found) if version == KUBERNETES_VERSION else None


def installed(tool: Tool) -> Path | None:
    """The user's own copy of `tool` at its pinned version, or None."""
    if tool in (PULUMI_CLI, LANGUAGE_HOST):
        cli = pulumi_on_path()
        return None if cli is None else cli.parent / tool.name
    if tool.plugin is not None:
        return _user_plugin(tool)
    if tool.name in ("kwok", "kwokctl") and tool.version == KWOK_VERSION:
        return _kwok_on_path(tool.name)
    if tool.name == "kubectl" and tool.version == KUBERNETES_VERSION:
        return _kubectl_on_path()
    return None
