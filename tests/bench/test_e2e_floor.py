"""bench-e2e's floor sends what the pool resources send under the engine, as the engine
has them sent (the pools at once, each at node_api's concurrency), and its rounds rotate
the runners and keep every run."""

import threading
import time
from collections import Counter
from typing import Any

import pytest

from benchmarks.e2e_floor import Floor
from benchmarks.e2e_rounds import RUNNERS, orders, rows
from components.node_pool_provider import NodePoolProvider
from fleet.cluster.node_api import WORKERS, Answer, Control, KubeNodeApi, NodeApiError
from fleet.render.nodes import named, node_template
from fleet.stack.owner import StackOwner
from fleet.stack.spec import PoolSpec, node_name
from tests.unit.fake_apiserver import FakeApiServer

OWNER = StackOwner("gpu-fleet", "bench")
POOLS = {
    "a100": PoolSpec.model_validate(
        {"nodes": 12, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"}
    ),
    "h100": PoolSpec.model_validate(
        {"nodes": 10, "gpusPerNode": 8, "product": "NVIDIA-H100-80GB-HBM3"}
    ),
    "l40s": PoolSpec.model_validate({"nodes": 11, "gpusPerNode": 4, "product": "NVIDIA-L40S"}),
}


def manifests(pool: str, first: int, count: int) -> list[dict[str, Any]]:
    template = node_template(pool, POOLS[pool], OWNER)
    return [named(template, node_name(pool, i), 1) for i in range(first, first + count)]


def props(pool: str, count: int) -> dict[str, Any]:
    """The pool resource's inputs, as the program gives them."""
    return {
        "poolName": pool,
        "owner": OWNER.label,
        "nodeCount": float(count),
        "node": node_template(pool, POOLS[pool], OWNER),
        "kwokShards": 1.0,
        "kubeconfig": "apiVersion: v1\nkind: Config\n",
        "context": None,
        "deleteUnreachable": False,
        "timeouts": {"create": None, "update": None, "delete": None},
    }


class Counted:
    """A fake API server that also counts requests in flight at once (each held a while)."""

    def __init__(self, hold: float = 0.0) -> None:
        self.server = FakeApiServer()
        self.hold = hold
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, *args: Any) -> Answer:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            time.sleep(self.hold)
            return self.server(*args)
        finally:
            with self.lock:
                self.in_flight -= 1

    def connect(self, *_: Any) -> KubeNodeApi:
        return KubeNodeApi(self, Control(), "https://fake")

    def requests(self) -> Counter[tuple[str, str]]:
        return Counter(self.server.requests)


FLEET = [n for pool, spec in POOLS.items() for n in manifests(pool, 0, spec.nodes)]
PLUS_TWO = manifests("a100", POOLS["a100"].nodes, 2)


def test_the_floor_sends_the_requests_the_pool_resources_send() -> None:
    """Up, refresh (read), +2 (update of a100) and destroy: the same requests, to the
    same paths, as NodePoolProvider's create, read, update and delete of each pool."""
    engine, floor = Counted(), Counted()
    provider = NodePoolProvider(engine.connect)
    bench = Floor(floor.connect, FLEET, PLUS_TWO)

    for pool, spec in POOLS.items():
        provider.create(props(pool, spec.nodes))
    bench.up()
    assert floor.requests() == engine.requests()
    # One list per pool (each reconcile reads every node first), two writes per node.
    assert engine.requests()[("GET", "/api/v1/nodes")] == 3
    assert sum(engine.requests().values()) == 3 + 2 * 33
    assert sorted(floor.server.nodes) == sorted(engine.server.nodes)
    assert len(floor.server.nodes) == 33

    for pool, spec in POOLS.items():
        provider.read(pool, props(pool, spec.nodes))
    bench.lists()
    assert floor.requests() == engine.requests()

    provider.update("a100", props("a100", 12), props("a100", 14))
    bench.up_plus_two()
    assert floor.requests() == engine.requests()
    assert len(floor.server.nodes) == 35

    provider.delete("a100", props("a100", 14))
    for pool in ("h100", "l40s"):
        provider.delete(pool, props(pool, POOLS[pool].nodes))
    bench.destroy()
    assert floor.requests() == engine.requests()
    assert floor.server.nodes == {}
    assert engine.server.nodes == {}


def test_the_floor_runs_the_pools_at_once_each_at_the_engines_concurrency() -> None:
    """More than WORKERS requests in flight (one pool's most), never more than WORKERS
    per pool; the old floor sent all nodes through one pool of WORKERS."""
    floor = Counted(hold=0.02)
    Floor(floor.connect, FLEET, PLUS_TWO).up()
    assert WORKERS < floor.peak <= WORKERS * len(POOLS)


def test_a_pool_that_fails_fails_the_floor_after_the_others_end() -> None:
    floor = Counted()
    floor.server.faults = {1: Answer(403, {}, b'{"message": "forbidden"}')}
    with pytest.raises(NodeApiError, match="HTTP 403: forbidden"):
        Floor(floor.connect, FLEET, PLUS_TWO).up()
    # The other pools went on: their nodes are there.
    assert len(floor.server.nodes) >= 21


def test_rounds_rotate_the_runners_so_each_takes_each_place_once_in_three() -> None:
    three = orders(3)
    assert three[0] == RUNNERS
    for place in range(len(RUNNERS)):
        assert sorted(order[place] for order in three) == sorted(RUNNERS)
    assert orders(4)[3] == RUNNERS


def test_rows_keep_every_run_and_the_median_and_ratios_of_the_medians() -> None:
    def round_of(pulumi: float, floor: float, kubectl: float) -> dict[str, dict[str, float]]:
        operations = ("up", "up-refresh-no-change", "no-op-up-no-request", "preview-plus-2")
        return {
            "pulumi": {op: pulumi for op in (*operations, "up-plus-2", "destroy")},
            "floor": {op: floor for op in ("up", "list", "up-plus-2", "destroy")},
            "kubectl": {op: kubectl for op in ("up", "diff", "up-plus-2", "destroy")},
        }

    found = rows(1000, [round_of(30, 20, 40), round_of(10, 25, 50), round_of(20, 30, 45)])
    up = next(row for row in found if row.operation == "up")
    assert up.runs == (30, 10, 20)
    assert up.seconds == 20
    assert up.floor_seconds == 25
    assert up.baseline_seconds == 45
    assert up.over_floor == 0.8
    assert up.over_floor_by_round() == [1.5, 0.4, 0.667]
    no_op = next(row for row in found if row.operation == "no-op-up-no-request")
    assert no_op.floor_runs == ()
    assert no_op.as_json()["floor_seconds"] is None
    assert no_op.as_json()["ratio_to_floor"] is None
