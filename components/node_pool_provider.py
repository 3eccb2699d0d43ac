"""A pool's fake nodes as one Pulumi resource: a dynamic provider that reconciles them
in bulk against what the cluster holds (`nodeResources: perPool`).

Inputs: the pool's name, its owner (the stack's label value), how many nodes it
has, the rendered node (`node`, the template every node is stamped from: what a
preview compares, so a changed label, taint, annotation or status shows as an update
of the pool), the fleet's KWOK shard count (`kwokShards`: with a node's name, it gives
the node's shard label) and how to reach the cluster. `check` adds `changes`, a one-line summary
of what an update does, naming added and removed nodes up to a cap.

Every write reconciles: one metadata-only list of the cluster's nodes, then the
pool's own nodes (labelled with its stack and pool) are compared with the wanted
ones: missing nodes are created, nodes with an older template digest or another
shard label re-applied (status through the status subresource), own nodes beyond
the count deleted. A node this pool would write that another stack owns, or that
nobody owns, stops the operation before anything is written, naming the owner. So a
failed or interrupted run leaves nothing that the next `up` does not adopt or prune.
"""

import os
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import (
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from fleet.cluster import node_api
from fleet.render.nodes import OWNED_POOL_LABEL, STACK_LABEL, TEMPLATE_ANNOTATION, named
from fleet.render.shards import SHARD_LABEL, shard_of
from fleet.stack.spec import node_name

# A change to either replaces the pool: its nodes are deleted through the old
# connection before they are created through the new one.
CONNECTION_KEYS = ("kubeconfig", "context")
# What an update compares, besides the connection.
CONTENT_KEYS = ("poolName", "owner", "nodeCount", "node", "kwokShards")
NAMES_SHOWN = 10
# The kubernetes provider's switch for a cluster that is gone (its `deleteUnreachable`).
DELETE_UNREACHABLE_ENV = "PULUMI_K8S_DELETE_UNREACHABLE"
# Seconds one request may take before it counts as failed (default: node_api.Limits).
REQUEST_TIMEOUT_ENV = "GPU_FLEET_REQUEST_TIMEOUT"

Connect = Callable[[str | None, str | None, node_api.Control], node_api.NodeApi]


def _count(props: Mapping[str, Any]) -> int:
    """Pulumi's wire format carries numbers as floats."""
    return int(props.get("nodeCount") or 0)


def wanted_names(props: Mapping[str, Any]) -> list[str]:
    return [node_name(str(props["poolName"]), i) for i in range(_count(props))]


def _shards(props: Mapping[str, Any]) -> int:
    return int(props.get("kwokShards") or 1)


def current(meta: node_api.NodeMeta, props: Mapping[str, Any]) -> bool:
    """Whether an own node carries the pool's template and its wanted KWOK shard."""
    return meta.annotations.get(TEMPLATE_ANNOTATION) == digest(props) and meta.labels.get(
        SHARD_LABEL
    ) == str(shard_of(meta.name, _shards(props)))


def digest(props: Mapping[str, Any]) -> str:
    return str(
        ((props.get("node") or {}).get("metadata") or {})
        .get("annotations", {})
        .get(TEMPLATE_ANNOTATION, "")
    )


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
            f"moves to another cluster connection: deletes {_count(olds):,} nodes through the "
            f"old one, then creates {len(new_names):,} through the new one"
        )
    old_names = old_wanted(olds)
    kept, was = set(new_names), set(old_names)
    parts = [
        listed([n for n in new_names if n not in was], "adds"),
        listed([n for n in old_names if n not in kept], "removes"),
    ]
    staying = [n for n in old_names if n in kept]
    if olds.get("node") != news.get("node") or olds.get("owner") != news.get("owner"):
        parts.append(f"re-applies {len(staying):,} existing nodes (the rendered node changed)")
    elif _shards(olds) != _shards(news):
        moved = sum(shard_of(n, _shards(olds)) != shard_of(n, _shards(news)) for n in staying)
        parts.append(
            f"moves {moved:,} existing nodes to another KWOK shard "
            f"({_shards(olds)} -> {_shards(news)} controllers)"
        )
    return "; ".join(part for part in parts if part) or "no change"


def old_wanted(olds: Mapping[str, Any]) -> list[str]:
    """The nodes the state says exist: `nodeNames` in a state from before `nodeCount`."""
    if "nodeCount" in olds:
        return wanted_names(olds)
    return [str(name) for name in olds.get("nodeNames") or []]


@dataclass
class Reconciled:
    """What a reconcile did so far (counted as it goes, for the error of a stopped one)."""

    created: int = 0
    reapplied: int = 0
    deleted: int = 0

    def count_created(self) -> None:
        self.created += 1

    def count_reapplied(self) -> None:
        self.reapplied += 1

    def count_deleted(self) -> None:
        self.deleted += 1


class Refused(node_api.NodeApiError):
    """Nodes this pool would write belong to someone else; nothing was written."""


def _owner_of(meta: node_api.NodeMeta) -> str:
    stack = meta.labels.get(STACK_LABEL)
    if stack is None:
        return "nobody (no gpu-fleet.dev/stack label)"
    return f"stack {stack}, pool {meta.labels.get(OWNED_POOL_LABEL, '?')}"


@dataclass(frozen=True)
class Ownership:
    """Which listed nodes are the pool's: labelled with its stack and pool, or (from a
    state written before ownership labels) unlabelled and named in that state."""

    owner: str
    pool: str
    legacy: frozenset[str]

    def owns(self, meta: node_api.NodeMeta) -> bool:
        labels = meta.labels
        if STACK_LABEL not in labels:
            return meta.name in self.legacy
        return labels[STACK_LABEL] == self.owner and labels.get(OWNED_POOL_LABEL) == self.pool

    def of(self, nodes: Mapping[str, node_api.NodeMeta]) -> dict[str, node_api.NodeMeta]:
        return {name: meta for name, meta in nodes.items() if self.owns(meta)}


def ownership(props: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> Ownership:
    legacy = frozenset(str(n) for n in (olds or {}).get("nodeNames") or [])
    return Ownership(str(props["owner"]), str(props["poolName"]), legacy)


def reconcile(
    api: node_api.NodeApi, props: Mapping[str, Any], owned: Ownership, done: Reconciled
) -> None:
    """Make the cluster hold exactly the pool's wanted nodes, as rendered; `done` counts."""
    control = control_of(api)
    template, shards = props["node"], _shards(props)
    everything = api.nodes()
    own = owned.of(everything)
    wanted = wanted_names(props)
    foreign = [everything[n] for n in wanted if n in everything and n not in own]
    if foreign:
        owners = ", ".join(f"{m.name} (owned by {_owner_of(m)})" for m in foreign[:NAMES_SHOWN])
        more = f" and {len(foreign) - NAMES_SHOWN} more" if len(foreign) > NAMES_SHOWN else ""
        raise Refused(
            f"{len(foreign)} node(s) this pool would write belong to someone else: "
            f"{owners}{more}. Nothing was written. Rename the pool, or remove that stack's "
            "pool (or those nodes) first."
        )
    missing = [n for n in wanted if n not in own]
    stale = [n for n in wanted if n in own and not current(own[n], props)]
    wanted_set = set(wanted)
    extra = [meta for name, meta in own.items() if name not in wanted_set]

    def create(name: str) -> None:
        api.apply(named(template, name, shards))

    def reapply(name: str) -> None:
        manifest = named(template, name, shards)
        api.apply(manifest)
        api.apply_status(manifest)

    node_api.each(create, missing, control, "create", done.count_created)
    node_api.each(reapply, stale, control, "re-apply", done.count_reapplied)
    node_api.each(api.delete, extra, control, "delete", done.count_deleted)


def control_of(api: node_api.NodeApi) -> node_api.Control:
    return getattr(api, "control", None) or node_api.Control()


def delete_unreachable(props: Mapping[str, Any]) -> bool:
    return bool(props.get("deleteUnreachable")) or os.environ.get(DELETE_UNREACHABLE_ENV) == "true"


def _say(message: str) -> None:
    """A line in the engine's output: it shows what a provider writes to stderr."""
    print(message, file=sys.stderr, flush=True)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def duration_seconds(text: str | None) -> float | None:
    """A custom timeout as Pulumi writes it (`10m`, `1h30m`, `90s`) in seconds."""
    if not text:
        return None
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ValueError(f"custom timeout {text!r} is not a duration like 90s, 10m or 1h30m")
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)


def connected(connect: Connect, props: Mapping[str, Any], operation: str) -> node_api.NodeApi:
    """The NodeApi for the connection in `props`, with the operation's deadline (its
    custom timeout), the request timeout, and the engine's cancel."""
    seconds = (props.get("timeouts") or {}).get(operation)
    deadline = time.monotonic() + float(seconds) if seconds else None
    timeout = os.environ.get(REQUEST_TIMEOUT_ENV)
    limits = node_api.Limits(request_timeout=float(timeout)) if timeout else node_api.Limits()
    control = node_api.Control(limits, deadline=deadline, cancelled=_engine_gone)
    return connect(props.get("kubeconfig"), props.get("context"), control)


class NodePoolProvider(ResourceProvider):
    """Check, diff, create, update, read and delete a pool's nodes by reconciling.

    `connect` builds the NodeApi from the state's kubeconfig and context; tests
    give a fake one.
    """

    serialize_as_secret_always = False

    def __init__(self, connect: Connect = node_api.connect) -> None:
        self.connect = connect

    def _api(self, props: Mapping[str, Any], operation: str) -> node_api.NodeApi:
        return connected(self.connect, props, operation)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult({**news, "changes": summary(olds, news)}, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in CONNECTION_KEYS if olds.get(key) != news.get(key)]
        changed = [key for key in CONTENT_KEYS if olds.get(key) != news.get(key)]
        drifted = olds.get("inSync") is False
        return DiffResult(
            changes=bool(replaces or changed or drifted),
            replaces=replaces,
            delete_before_replace=True,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._reconcile("create", props, {})
        return CreateResult(id_=str(props["poolName"]), outs={**props, "inSync": True})

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._reconcile("update", news, olds)
        return UpdateResult(outs={**news, "inSync": True})

    def _reconcile(self, operation: str, props: dict[str, Any], olds: Mapping[str, Any]) -> None:
        done = Reconciled()
        pool = f"pool {props['poolName']} (stack {props['owner']})"
        try:
            reconcile(self._api(props, operation), props, ownership(props, olds), done)
        except Refused as error:
            raise node_api.NodeApiError(f"{pool}: {operation} refused: {error}") from None
        except node_api.NodeApiError as error:
            raise node_api.NodeApiError(
                f"{pool}: {operation} stopped: {error}. Done before it stopped: "
                f"{done.created:,} created, {done.reapplied:,} re-applied, {done.deleted:,} "
                f"deleted, of {_count(props):,} wanted. Run `pulumi up` again once the "
                f"cluster answers: the pool adopts the nodes it wrote (label "
                f"{STACK_LABEL}={props['owner']}) and converges; `pulumi destroy` "
                "removes them all."
            ) from None

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        pool = f"pool {props['poolName']} (stack {props.get('owner', '?')})"
        try:
            api = self._api(props, "delete")
            everything = api.nodes()
        except node_api.Unreachable as error:
            if delete_unreachable(props):
                _say(
                    f"{pool}: the cluster is unreachable ({error}); deleteUnreachable is on, "
                    "so the pool leaves the state without deleting its nodes."
                )
                return
            raise node_api.NodeApiError(
                f"{pool}: the cluster is unreachable: {error}. If it was deleted, run the "
                f"operation again with {DELETE_UNREACHABLE_ENV}=true to remove the pool "
                "from the state (as the kubernetes provider does)."
            ) from None
        own = list(_legacy_aware(props).of(everything).values())
        try:
            node_api.each(api.delete, own, control_of(api), "delete")
        except node_api.Stopped as error:
            raise node_api.NodeApiError(
                f"{pool}: destroy stopped: {error}; {error.done:,} of {error.total:,} nodes "
                "deleted. Run `pulumi destroy` again to delete the rest."
            ) from None

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The state, with `inSync` false when the cluster differs from it (a wanted
        node missing, with an older template or in another KWOK shard, an own node
        beyond the count), so that the next `up` reconciles. Status is never read back:
        KWOK and the operator own what the program does not send."""
        own = _legacy_aware(props).of(self._api(props, "read").nodes())
        wanted = wanted_names(props)
        in_sync = set(own) == set(wanted) and all(current(own[name], props) for name in wanted)
        return ReadResult(id_=id_, outs={**props, "inSync": in_sync})


def _legacy_aware(props: Mapping[str, Any]) -> Ownership:
    return ownership(props, props)


def _engine_gone() -> bool:
    """Whether the engine has stopped waiting for this provider: it interrupted the
    provider's process (whose main thread, the gRPC server's, then ends), or it ended
    itself (a force-quit: the process's parent changes). The Python dynamic provider
    server answers the engine's Cancel request without telling the provider, so these
    are the signs there are."""
    return not threading.main_thread().is_alive() or os.getppid() != _ENGINE


# The process that started this one: the engine, when this module runs in the provider.
_ENGINE = os.getppid()
