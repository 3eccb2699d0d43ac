"""What an update of a pool does, in the one line a preview shows (the `changes`
output), naming added and removed nodes up to a cap."""

from collections.abc import Mapping
from typing import Any

from fleet.reconcile.inputs import (
    CONNECTION_KEYS,
    kwok_shards,
    node_count,
    old_wanted,
    wanted_names,
)
from fleet.render.shards import shard_of

NAMES_SHOWN = 10


def listed(names: list[str], what: str) -> str:
    """`adds 2: a, b`; past NAMES_SHOWN names, the first ones and how many more."""
    if not names:
        return ""
    shown = ", ".join(names[:NAMES_SHOWN])
    more = f" and {len(names) - NAMES_SHOWN:,} more" if len(names) > NAMES_SHOWN else ""
    return f"{what} {len(names):,}: {shown}{more}"


def summary(olds: Mapping[str, Any], news: Mapping[str, Any]) -> str:
    """What going from the inputs `olds` to `news` does, in one line."""
    new_names = wanted_names(news)
    if not olds:
        return listed(new_names, "creates") or "no nodes"
    if any(olds.get(key) != news.get(key) for key in CONNECTION_KEYS):
        return (
            f"moves to another cluster connection: deletes {node_count(olds):,} nodes through "
            f"the old one, then creates {len(new_names):,} through the new one"
        )
    old_names = old_wanted(olds)
    kept, was = set(new_names), set(old_names)
    parts = [
        listed([n for n in new_names if n not in was], "adds"),
        listed([n for n in old_names if n not in kept], "removes"),
    ]
    staying = [n for n in old_names if n in kept]
    before, after = kwok_shards(olds), kwok_shards(news)
    if olds.get("node") != news.get("node") or olds.get("owner") != news.get("owner"):
        parts.append(f"re-applies {len(staying):,} existing nodes (the rendered node changed)")
    elif before != after:
        moved = sum(shard_of(n, before) != shard_of(n, after) for n in staying)
        parts.append(
            f"moves {moved:,} existing nodes to another KWOK shard "
            f"({before} -> {after} controllers)"
        )
    return "; ".join(part for part in parts if part) or "no change"
