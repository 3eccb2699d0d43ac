"""With `nodeResources: perNode`, the status a pool's nodes should carry, applied through
the status subresource (a dynamic provider, one resource per pool).

The kubernetes provider writes a Node's metadata and spec, and its status only on
create: the API server ignores status on update. So that a change of a pool's cpu,
memory or pods reaches existing nodes, this resource server-side applies the rendered
status to each node the pool owns (listed by its owner labels), under the program's
field manager, which then owns those fields: one it stops sending is removed. Its
inputs hold no node count, so growing or shrinking a pool leaves it alone (new nodes
get their status on create).
"""

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from components.cluster_provider import ClusterProvider
from fleet.cluster import node_api
from fleet.render.nodes import owner_selector

COMPARED = ("poolName", "owner", "status", "kubeconfig", "context")


class NodeStatusProvider(ClusterProvider):
    def _apply(self, props: Mapping[str, Any], operation: str) -> None:
        api = self._api(props, operation)
        own = api.nodes(owner_selector(str(props["owner"]), str(props["poolName"])))

        def apply(name: str) -> None:
            api.apply_status(
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {"name": name},
                    "status": props["status"],
                }
            )

        try:
            node_api.each(apply, sorted(own), node_api.control_of(api), "status apply")
        except node_api.Stopped as error:
            raise node_api.NodeApiError(
                f"pool {props['poolName']} (stack {props['owner']}): status {operation} "
                f"stopped: {error}; {error.done:,} of {error.total:,} nodes done. Run `pulumi up` "
                "again once the cluster answers."
            ) from None

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = any(olds.get(key) != news.get(key) for key in COMPARED)
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._apply(props, "create")
        return CreateResult(id_=f"{props['poolName']}-status", outs=dict(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._apply(news, "update")
        return UpdateResult(outs=dict(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Nothing to do: each node is deleted by its own resource."""

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=dict(props))
