"""A pool's fake nodes as one Pulumi resource (`nodeResources: perPool`): a dynamic
provider over `fleet.reconcile`, which does the work without Pulumi.

Inputs: the pool's name, its owner (the stack's label value), how many nodes it has,
the rendered node (`node`, the template every node is stamped from: what a preview
compares, so a changed label, taint, annotation or status shows as an update of the
pool), the fleet's KWOK shard count (`kwokShards`: with a node's name, it gives the
node's shard label) and how to reach the cluster. `check` adds `changes`, a one-line
summary of what an update does (`fleet.reconcile.preview`).

Every write reconciles (`fleet.reconcile.nodes`); a node this pool would write that
another stack owns, or that nobody owns, stops the operation before anything is
written, naming the owner. So a failed or interrupted run leaves nothing that the next
`up` does not adopt or prune. The type token
(`pulumi-python:dynamic/gpu-fleet:PoolNodes`), the input and output keys, and this
class's module and name are in every existing stack's state.
"""

import os
import sys
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from components.cluster_provider import ClusterProvider
from fleet.cluster import node_api
from fleet.reconcile.inputs import CONNECTION_KEYS, CONTENT_KEYS, current, node_count, wanted_names
from fleet.reconcile.nodes import Reconciled, Refused, reconcile
from fleet.reconcile.ownership import as_recorded, ownership
from fleet.reconcile.preview import summary
from fleet.render.nodes import STACK_LABEL

# The kubernetes provider's switch for a cluster that is gone (its `deleteUnreachable`).
DELETE_UNREACHABLE_ENV = "PULUMI_K8S_DELETE_UNREACHABLE"


def delete_unreachable(props: Mapping[str, Any]) -> bool:
    return bool(props.get("deleteUnreachable")) or os.environ.get(DELETE_UNREACHABLE_ENV) == "true"


def _say(message: str) -> None:
    """A line in the engine's output: it shows what a provider writes to stderr."""
    print(message, file=sys.stderr, flush=True)


class NodePoolProvider(ClusterProvider):
    """Check, diff, create, update, read and delete a pool's nodes by reconciling."""

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
                f"deleted, of {node_count(props):,} wanted. Run `pulumi up` again (once the "
                "cluster answers, if it stopped answering): the pool adopts the nodes it "
                f"wrote (label {STACK_LABEL}={props['owner']}) and converges; `pulumi destroy` "
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
        own = list(as_recorded(props).of(everything).values())
        try:
            node_api.each(api.delete, own, node_api.control_of(api), "delete")
        except node_api.Stopped as error:
            raise node_api.NodeApiError(
                f"{pool}: destroy stopped: {error}; {error.done:,} of {error.total:,} nodes "
                "deleted. Run `pulumi destroy` again to delete the rest."
            ) from None

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The state, with `inSync` false when the cluster differs from it (a wanted
        node missing, with an older template, in another KWOK shard or with its status
        not applied by the pool, an own node beyond the count), so that the next `up`
        reconciles. Status values are never read back: KWOK and the operator own what
        the program does not send."""
        own = as_recorded(props).of(self._api(props, "read").nodes())
        wanted = wanted_names(props)
        in_sync = set(own) == set(wanted) and all(current(own[name], props) for name in wanted)
        return ReadResult(id_=id_, outs={**props, "inSync": in_sync})
