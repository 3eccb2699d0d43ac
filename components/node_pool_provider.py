"""A pool's fake nodes as one Pulumi resource: a dynamic provider that applies and prunes
them in bulk (`nodeResources: perPool`).

The resource's state is the pool as declared (`pool`), the names of its nodes
(`nodeNames`), the fleet's KWOK shard count (`kwokShards`, which labels each
node with its shard) and how to reach the cluster. The manifests are rebuilt from the pool
by `fleet.render.nodes.pool_nodes`, the code `python -m fleet manifests` prints with, so the
state stays small whatever the pool's size. A preview shows `nodeNames` growing or
shrinking: the nodes a change adds or removes, by name.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

from fleet.cluster import node_api
from fleet.render.nodes import POOL_LABEL, pool_nodes
from fleet.render.shards import shard_of
from fleet.stack.spec import PoolSpec

# How the pool resource reaches the cluster: a change re-applies every node.
CONNECTION_KEYS = ("kubeconfig", "context")

Connect = Callable[[str | None, str | None], node_api.NodeApi]


@dataclass(frozen=True)
class Plan:
    """What an update does: nodes to create, nodes to apply (all of them when their
    content or the cluster changed), nodes to delete."""

    create: list[str]
    apply: list[str]
    delete: list[str]

    @property
    def changes(self) -> bool:
        return bool(self.create or self.apply or self.delete)


def _without_count(pool: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in pool.items() if key != "nodes"}


def _shards(props: Mapping[str, Any]) -> int:
    """The fleet's KWOK shard count; state written before shards existed had one."""
    return int(props.get("kwokShards") or 1)


def plan(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Plan:
    """The nodes to create, apply and delete to go from the state `olds` to the inputs
    `news`.

    Only added nodes are created when nothing but the count changed; every node is
    applied when the pool's template or the cluster connection did (a new connection
    may be a new cluster; applying an unchanged node changes nothing). When the
    fleet's KWOK shard count changed, the kept nodes whose shard label changes are
    applied (`fleet.render.shards`: few of them).
    """
    old_names: list[str] = list(olds.get("nodeNames") or [])
    new_names: list[str] = list(news.get("nodeNames") or [])
    kept = set(new_names)
    delete = [name for name in old_names if name not in kept]
    moved = any(olds.get(key) != news.get(key) for key in CONNECTION_KEYS)
    # What the nodes' content comes from; the count is in `nodeNames`.
    template_changed = olds.get("poolName") != news.get("poolName") or _without_count(
        olds.get("pool") or {}
    ) != _without_count(news.get("pool") or {})
    if moved or template_changed:
        return Plan([], new_names, delete)
    present = set(old_names)
    old_shards, new_shards = _shards(olds), _shards(news)
    moved_shard = [
        name
        for name in new_names
        if name in present
        and old_shards != new_shards
        and shard_of(name, old_shards) != shard_of(name, new_shards)
    ]
    return Plan([name for name in new_names if name not in present], moved_shard, delete)


def _integers(pool: Mapping[str, Any]) -> dict[str, Any]:
    """Pulumi's wire format carries numbers as floats; the pool's counts are integers."""
    return {
        key: int(value) if isinstance(value, float) and value.is_integer() else value
        for key, value in pool.items()
    }


def manifests(props: Mapping[str, Any], names: list[str]) -> list[dict[str, Any]]:
    """The manifests of the named nodes of the pool in `props`."""
    pool = PoolSpec.model_validate(_integers(props["pool"]))
    wanted = set(names)
    return [
        manifest
        for manifest in pool_nodes(props["poolName"], pool, _shards(props))
        if manifest["metadata"]["name"] in wanted
    ]


class NodePoolProvider(ResourceProvider):
    """Create, diff, update, read and delete a pool's nodes in bulk (components/node_api.py).

    `connect` builds the NodeApi from the state's kubeconfig and context; tests
    give a fake one.
    """

    serialize_as_secret_always = False

    def __init__(self, connect: Connect = node_api.connect) -> None:
        self.connect = connect

    def _api(self, props: Mapping[str, Any]) -> node_api.NodeApi:
        return self.connect(props.get("kubeconfig"), props.get("context"))

    def create(self, props: dict[str, Any]) -> CreateResult:
        names = list(props["nodeNames"])
        node_api.create_all(self._api(props), manifests(props, names))
        return CreateResult(id_=str(props["poolName"]), outs=dict(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = plan(olds, news).changes
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        steps = plan(olds, news)
        api = self._api(news)
        node_api.create_all(api, manifests(news, steps.create))
        node_api.apply_all(api, manifests(news, steps.apply))
        node_api.delete_all(api, steps.delete)
        return UpdateResult(outs=dict(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        node_api.delete_all(self._api(props), list(props.get("nodeNames") or []))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The state with only the nodes that still exist: a later `up` re-creates the
        others. The nodes' content is not read back: KWOK and the operator change
        their status, and the program's own fields are re-applied when the pool's declaration
        changes."""
        existing = self._api(props).names(f"{POOL_LABEL}={props['poolName']}")
        names = [name for name in props.get("nodeNames") or [] if name in existing]
        return ReadResult(id_=id_, outs={**props, "nodeNames": names})
