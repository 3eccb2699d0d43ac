"""The stack's fleet spec, read from Pulumi config and validated before anything is created.

Every key of the project's namespace is read, not only the known ones, so that a
typo such as `gpu-fleet:demoo` stops `pulumi up` as it stops `fleet check`: both
validate with `fleet.stack.load.parse_fleet` and report the same message.
"""

from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from fleet.files import files_in
from fleet.stack.load import SpecError, parse_fleet, project_config, read_stack_config
from fleet.stack.project import stack_file
from fleet.stack.spec import PROJECT, FleetSpec


def _value(raw: Any, key: str, source: str) -> Any:
    """Pulumi keeps structured config as JSON text and scalars as plain text."""
    if not isinstance(raw, str):
        return raw
    try:
        return files_in.load_json(raw, source)
    except files_in.NotJson:
        return raw
    except files_in.FileProblem as error:
        raise SpecError(source, [f"{key}: {error.problem}"]) from None


def stack_config() -> dict[str, Any]:
    """Every config key the engine gave this run (all namespaces), with its raw value."""
    return {**get_config_env(), **CONFIG.get()}


def _project_root() -> Path | None:
    """The engine's project root (where its Pulumi.yaml is), which need not be the folder
    this code lives in; None where there is none (unit-test mocks name a placeholder)."""
    root = Path(pulumi.get_root_directory() or ".")
    return root if (root / "Pulumi.yaml").is_file() else None


def load_fleet_spec() -> FleetSpec:
    """The validated spec; on bad config, a clean error naming file and key, and no resources."""
    try:
        source = stack_file(pulumi.get_stack(), _project_root())
        if Path(source).is_file():  # read as `fleet check` reads it: same refusals
            read_stack_config(source)
        own = project_config(stack_config(), source)
        values = {key: _value(raw, f"{PROJECT}:{key}", source) for key, raw in own.items()}
        return parse_fleet(values, source)
    except (SpecError, files_in.FileProblem) as error:
        raise pulumi.RunError(str(error)) from None
