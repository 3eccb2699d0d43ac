"""Read a topology JSON file of the original lab: named pools of fake GPU nodes.

    {"name": "small", "description": "...",
     "pools": {"a100": {"nodes": 2, "gpusPerNode": 8, "gpuMemoryMiB": 81920,
                        "product": "NVIDIA-A100-SXM4-80GB", "cpu": 96, "memory": "1024Gi"}}}

The pool keys are the stack file's pool keys, so each pool is validated by the
same `PoolSpec` a stack file is.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleet.files import files_in
from fleet.files.files_in import cut, shorten
from fleet.imports.pools import InputError, check_pools

TOP_LEVEL_KEYS = ("name", "description", "pools")


@dataclass(frozen=True)
class Topology:
    name: str | None
    description: str | None
    pools: dict[str, Any]
    """The pools as written in the file (validated)."""


def read_topology(path: str | Path) -> Topology:
    source = str(path)
    try:
        document = files_in.read_json(path)
    except files_in.FileProblem as error:
        raise InputError(source, [error.problem]) from None
    if not isinstance(document, dict):
        raise InputError(source, ["expected a JSON object with `pools` (and optional `name`)"])
    problems = [f"{cut(key)}: unknown key" for key in document if key not in TOP_LEVEL_KEYS]
    problems += [
        f"{key}: must be a string (got {shorten(document[key])})"
        for key in ("name", "description")
        if key in document and not isinstance(document[key], str)
    ]
    if "pools" not in document:
        problems.append("pools: required key is missing")
    if problems:
        raise InputError(source, problems)
    check_pools(document["pools"], source)
    return Topology(document.get("name"), document.get("description"), document["pools"])
