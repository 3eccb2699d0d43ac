"""Read a topology JSON file of the original lab: named pools of fake GPU nodes.

    {"name": "small", "description": "...",
     "pools": {"a100": {"nodes": 2, "gpusPerNode": 8, "gpuMemoryMiB": 81920,
                        "product": "NVIDIA-A100-SXM4-80GB", "cpu": 96, "memory": "1024Gi"}}}

The pool keys are the stack file's pool keys, so each pool is validated by the
same `PoolSpec` a stack file is.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleet.pool_input import InputError, check_pools

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
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(source, [f"cannot read the file: {_reason(error)}"]) from None
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise InputError(source, [f"not valid JSON: {where}: {error.msg}"]) from None
    except _DuplicateKey as error:
        raise InputError(source, [f"not valid JSON: key {error} is given twice"]) from None
    if not isinstance(document, dict):
        raise InputError(source, ["expected a JSON object with `pools` (and optional `name`)"])
    problems = [f"{key}: unknown key" for key in document if key not in TOP_LEVEL_KEYS]
    problems += [
        f"{key}: must be a string (got {document[key]!r})"
        for key in ("name", "description")
        if key in document and not isinstance(document[key], str)
    ]
    if "pools" not in document:
        problems.append("pools: required key is missing")
    if problems:
        raise InputError(source, problems)
    check_pools(document["pools"], source)
    return Topology(document.get("name"), document.get("description"), document["pools"])


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`json.loads` keeps the last of two equal keys; a pool given twice is an error here."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(repr(key))
        result[key] = value
    return result


def _reason(error: OSError | UnicodeDecodeError) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    return error.strerror or str(error)
