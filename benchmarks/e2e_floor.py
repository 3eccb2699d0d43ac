"""bench-e2e's floor: the requests the pool resources send, as the engine has them sent,
without the engine.

Under the engine each pool of a `nodeResources: perPool` fleet is one resource of the
Python dynamic provider, whose server runs up to 4 calls at once: the pools of the
benchmark's fleet (3) reconcile at the same time, each with its own client
(`fleet.cluster.node_api.connect`) and `node_api.each`'s WORKERS requests in flight,
about 24 in all. The floor does the same, one thread per pool, each with its own client:

- up: per pool, the metadata list of every node that a reconcile reads first, then per
  node of the pool its create-only apply and its status apply;
- lists: per pool, that list (what a refresh's read sends);
- up-plus-2: the list and the two new nodes, for the one pool that grows;
- destroy: per pool, the list and a delete of each of the pool's nodes listed (with the
  uid precondition the provider sends).
"""

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from fleet.cluster import node_api
from fleet.render.nodes import POOL_LABEL

Manifest = dict[str, Any]
Connect = Callable[[], node_api.NodeApi]


def by_pool(manifests: list[Manifest]) -> dict[str, list[Manifest]]:
    """The nodes of each pool (the `gpu-pool` label), in manifest order."""
    pools: dict[str, list[Manifest]] = defaultdict(list)
    for manifest in manifests:
        pools[manifest["metadata"]["labels"][POOL_LABEL]].append(manifest)
    return dict(pools)


def at_once(work: Mapping[str, Callable[[], object]]) -> float:
    """Run each pool's work in a thread of its own, all started together; the seconds
    until the last ends. The first error of any pool is raised once all have ended."""
    errors: list[BaseException] = []

    def guarded(call: Callable[[], object]) -> None:
        try:
            call()
        except BaseException as error:  # raised again below, in the caller
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(call,)) for call in work.values()]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    if errors:
        raise errors[0]
    return seconds


class Floor:
    """The floor's four operations over the fleet's and the +2 change's manifests."""

    def __init__(self, connect: Connect, fleet: list[Manifest], plus_two: list[Manifest]) -> None:
        self.connect = connect
        self.fleet = by_pool(fleet)
        self.plus_two = by_pool(plus_two)
        self.grown = by_pool(fleet + plus_two)

    def up(self) -> float:
        return at_once({pool: self._creates(nodes) for pool, nodes in self.fleet.items()})

    def lists(self) -> float:
        return at_once({pool: self._list for pool in self.fleet})

    def up_plus_two(self) -> float:
        return at_once({pool: self._creates(nodes) for pool, nodes in self.plus_two.items()})

    def destroy(self) -> float:
        return at_once({pool: self._deletes(nodes) for pool, nodes in self.grown.items()})

    def _list(self) -> None:
        self.connect().nodes()

    def _creates(self, nodes: list[Manifest]) -> Callable[[], None]:
        def run() -> None:
            api = self.connect()
            api.nodes()

            def create(node: Manifest) -> None:
                api.apply_status(node, api.create(node))

            node_api.each(create, nodes, _control(api), "create")

        return run

    def _deletes(self, nodes: list[Manifest]) -> Callable[[], None]:
        def run() -> None:
            api = self.connect()
            listed = api.nodes()
            own = [listed[n["metadata"]["name"]] for n in nodes if n["metadata"]["name"] in listed]
            node_api.each(api.delete, own, _control(api), "delete")

        return run


def _control(api: node_api.NodeApi) -> node_api.Control:
    control = getattr(api, "control", None)
    return control if isinstance(control, node_api.Control) else node_api.Control()
