"""The pool-level dynamic provider over the real request code (`fleet.cluster.node_api`)
against an in-memory API server that drops status on update like the real one:
reconciling by ownership, drift in the diff, status through the subresource, removed
fields removed, faults stopped early with a useful error, unreachable clusters."""

import copy
import re
from typing import Any

import pytest

from components.node_pool_provider import NodePoolProvider
from fleet.cluster import node_api
from fleet.cluster.node_api import Control, KubeNodeApi, Limits, NodeApiError, TransportError
from fleet.reconcile.durations import duration_seconds
from fleet.reconcile.preview import summary
from fleet.render.nodes import (
    OWNED_POOL_LABEL,
    STACK_LABEL,
    TEMPLATE_ANNOTATION,
    named,
    node_template,
)
from fleet.render.shards import SHARD_LABEL
from fleet.stack.owner import StackOwner
from fleet.stack.spec import PoolSpec, node_name
from tests.unit.fake_apiserver import FakeApiServer, answer

A100 = PoolSpec.model_validate({"nodes": 3, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"})
OWNER = StackOwner("gpu-fleet", "first")
OTHER = StackOwner("gpu-fleet", "second")
FAST = Limits(first_backoff=0.0, max_backoff=0.0, failures_in_a_row=4, attempts=3)


def props(nodes: int, owner: StackOwner = OWNER, shards: int = 1, **pool: Any) -> dict[str, Any]:
    spec = A100.model_copy(update={"nodes": nodes, **pool})
    return {
        "poolName": "a100",
        "owner": owner.label,
        "nodeCount": float(nodes),  # as the wire delivers numbers
        "node": node_template("a100", spec, owner),
        "kwokShards": float(shards),
        "kubeconfig": "apiVersion: v1\nkind: Config\n",
        "context": None,
        "deleteUnreachable": False,
        "timeouts": {"create": None, "update": None, "delete": None},
    }


def with_label(base: dict[str, Any], key: str, value: str | None) -> dict[str, Any]:
    """The inputs after a program change that adds (or, with None, drops) a node label."""
    changed = copy.deepcopy(base)
    labels = changed["node"]["metadata"]["labels"]
    if value is None:
        labels.pop(key)
    else:
        labels[key] = value
    changed["node"]["metadata"]["annotations"][TEMPLATE_ANNOTATION] = f"changed-{key}-{value}"
    return changed


class Cluster:
    """The fake API server, and a provider connected to it through KubeNodeApi."""

    def __init__(self) -> None:
        self.server = FakeApiServer()
        self.slept: list[float] = []
        self.connected: list[tuple[str | None, str | None]] = []

    def connect(self, kubeconfig: str | None, context: str | None, control: Control) -> Any:
        self.connected.append((kubeconfig, context))
        fast = Control(FAST, control.deadline, control.cancelled, self.slept.append)
        return KubeNodeApi(self.server, fast, "https://fake")

    @property
    def provider(self) -> NodePoolProvider:
        return NodePoolProvider(self.connect)

    def names(self) -> list[str]:
        return sorted(self.server.nodes)

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.server.requests if r[0] != "GET"]


@pytest.fixture
def cluster() -> Cluster:
    return Cluster()


def status_applied(cluster: Cluster, name: str) -> bool:
    """Whether the node's listed metadata says the pool applied its status."""
    return status_applied_in(cluster.server, name)


def status_applied_in(server: FakeApiServer, name: str) -> bool:
    return KubeNodeApi(server).nodes()[name].status_applied


def a100(count: int) -> list[str]:
    return [node_name("a100", i) for i in range(count)]


# -- the fake behaves like the real API server ------------------------------------------


def test_the_fake_keeps_status_on_create_and_drops_it_on_update() -> None:
    server = FakeApiServer()
    api = KubeNodeApi(server)
    node = named(node_template("a100", A100, OWNER), "kwok-gpu-a100-0")
    api.apply(node)
    assert server.nodes["kwok-gpu-a100-0"]["status"]["capacity"]["cpu"] == "96"
    bigger = named(
        node_template("a100", A100.model_copy(update={"cpu": 128}), OWNER), node["metadata"]["name"]
    )
    api.apply(bigger)
    assert server.nodes["kwok-gpu-a100-0"]["status"]["capacity"]["cpu"] == "96"
    api.apply_status(bigger)
    assert server.nodes["kwok-gpu-a100-0"]["status"]["capacity"]["cpu"] == "128"


def test_the_fake_owns_status_given_on_create_to_nobody_as_the_real_one_does() -> None:
    server = FakeApiServer()
    api = KubeNodeApi(server)
    node = named(node_template("a100", A100, OWNER), "kwok-gpu-a100-0")
    api.apply(node)
    entries = server.metadata("kwok-gpu-a100-0")["managedFields"]
    assert [(e["manager"], e["operation"], e.get("subresource")) for e in entries] == [
        ("gpu-fleet", "Apply", None)
    ]
    assert "f:status" not in entries[0]["fieldsV1"]
    assert api.nodes()["kwok-gpu-a100-0"].status_applied is False
    api.apply_status(node)
    assert api.nodes()["kwok-gpu-a100-0"].status_applied is True


# -- create, ownership labels -------------------------------------------------------------


def test_create_applies_every_node_as_rendered_with_its_owner(cluster: Cluster) -> None:
    result = cluster.provider.create(props(3))
    assert result.id == "a100"
    assert cluster.names() == a100(3)
    node = cluster.server.nodes["kwok-gpu-a100-1"]
    assert node["metadata"]["labels"][STACK_LABEL] == "gpu-fleet.first"
    assert node["metadata"]["labels"][OWNED_POOL_LABEL] == "a100"
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "kwok-gpu-a100-1"
    assert node["status"]["capacity"] == {"cpu": "96", "memory": "1024Gi", "pods": "110"}
    assert "nvidia.com/gpu" not in node["status"]["capacity"]
    # Per new node a server-side apply and one of its status, no plain create.
    assert sorted(cluster.writes()) == sorted(
        [("PATCH", f"/api/v1/nodes/{n}") for n in a100(3)]
        + [("PATCH", f"/api/v1/nodes/{n}/status") for n in a100(3)]
    )
    assert all(status_applied(cluster, name) for name in a100(3))
    assert cluster.connected == [("apiVersion: v1\nkind: Config\n", None)]


# -- reconcile: adopt, prune, never touch another's node -----------------------------------


def test_a_failed_create_leaves_nothing_the_next_create_does_not_adopt_or_prune(
    cluster: Cluster,
) -> None:
    """The issue's case: a create fails after 25 of 40 nodes; with the pool lowered to 10
    the next up must leave exactly 10, and destroy none."""
    cluster.server.before = lambda n, method, path: (
        answer(500) if method == "PATCH" and n > 51 else None
    )
    with pytest.raises(NodeApiError) as failed:
        cluster.provider.create(props(40))
    assert 20 <= len(cluster.server.nodes) < 40
    message = str(failed.value)
    assert "pool a100 (stack gpu-fleet.first): create stopped" in message
    finished = re.search(r"(\d+) created", message)
    assert finished is not None
    # A node whose status apply was refused exists, unfinished (at most one per worker).
    assert 0 <= len(cluster.server.nodes) - int(finished[1]) <= node_api.WORKERS
    assert "Run `pulumi up` again" in message
    cluster.server.before = None
    # No state was written: the engine creates again, now with 10 nodes, all finished.
    cluster.provider.create(props(10))
    assert cluster.names() == sorted(a100(10))
    assert all(status_applied(cluster, name) for name in a100(10))
    cluster.provider.delete("a100", props(10))
    assert cluster.names() == []


def test_growing_after_a_failed_grow_converges_and_destroy_leaves_none(cluster: Cluster) -> None:
    cluster.provider.create(props(10))
    cluster.server.before = lambda n, method, path: answer(503) if n > 20 else None
    with pytest.raises(NodeApiError):
        cluster.provider.update("a100", props(10), props(40))
    cluster.server.before = None
    cluster.provider.update("a100", props(10), props(40))  # the state is still the old one
    assert cluster.names() == sorted(a100(40))
    cluster.provider.delete("a100", props(10))  # even with the old state: by ownership
    assert cluster.names() == []


def test_shrinking_deletes_exactly_the_pools_nodes_beyond_the_count(cluster: Cluster) -> None:
    cluster.provider.create(props(5))
    cluster.server.put(named(node_template("h100", A100, OWNER), "kwok-gpu-h100-0"))
    cluster.server.requests.clear()
    cluster.provider.update("a100", props(5), props(3))
    assert sorted(cluster.writes()) == [
        ("DELETE", "/api/v1/nodes/kwok-gpu-a100-3"),
        ("DELETE", "/api/v1/nodes/kwok-gpu-a100-4"),
    ]
    assert cluster.names() == [*a100(3), "kwok-gpu-h100-0"]


def test_another_stacks_node_is_never_written_and_its_owner_is_named(cluster: Cluster) -> None:
    other = Cluster()
    other.server = cluster.server
    other.provider.create(props(2, OTHER))
    before = copy.deepcopy(cluster.server.nodes)
    cluster.server.requests.clear()
    with pytest.raises(NodeApiError) as refused:
        cluster.provider.create(props(3))
    message = str(refused.value)
    assert "create refused" in message
    assert "kwok-gpu-a100-0 (owned by stack gpu-fleet.second, pool a100)" in message
    assert "Nothing was written" in message
    assert cluster.writes() == []
    assert cluster.server.nodes == before
    # Destroying the first stack's pool leaves the second's nodes alone.
    cluster.provider.delete("a100", props(3))
    assert cluster.names() == a100(2)


def test_the_fake_creates_only_when_asked_to_and_checks_uids_as_the_real_one_does() -> None:
    server = FakeApiServer()
    api = KubeNodeApi(server)
    node = named(node_template("a100", A100, OWNER), "kwok-gpu-a100-0")
    uid = api.create(node)
    assert server.nodes["kwok-gpu-a100-0"]["metadata"]["uid"] == uid
    with pytest.raises(node_api.Exists, match="the object has been modified"):
        api.create(node)
    with pytest.raises(node_api.Replaced, match="field is immutable"):
        api.apply(node, uid="another")
    with pytest.raises(node_api.Replaced, match="field is immutable"):
        api.apply_status(node, uid="another")
    api.apply(node, uid=uid)
    with pytest.raises(node_api.Replaced, match="no existing object was found"):
        api.apply(named(node, "kwok-gpu-a100-9"), uid=uid)
    assert sorted(server.nodes) == ["kwok-gpu-a100-0"]


def foreign(name: str) -> dict[str, Any]:
    return named(node_template("a100", A100, OTHER), name)


def test_a_node_another_stack_makes_between_the_list_and_the_create_is_not_taken(
    cluster: Cluster,
) -> None:
    """The race the list cannot see: the create only creates, and names the owner."""

    def meanwhile(n: int, method: str, path: str) -> None:
        if (
            path == "/api/v1/nodes/kwok-gpu-a100-1"
            and "kwok-gpu-a100-1" not in cluster.server.nodes
        ):
            cluster.server.put(foreign("kwok-gpu-a100-1"), manager="gpu-fleet")

    cluster.server.before = meanwhile
    with pytest.raises(NodeApiError) as refused:
        cluster.provider.create(props(3))
    message = str(refused.value)
    assert (
        "node kwok-gpu-a100-1 was made by someone else after the pool listed the nodes" in message
    )
    assert "owned by stack gpu-fleet.second, pool a100" in message
    taken = cluster.server.nodes["kwok-gpu-a100-1"]
    assert taken["metadata"]["labels"][STACK_LABEL] == OTHER.label
    assert not any(path.endswith("kwok-gpu-a100-1/status") for _, path in cluster.writes())
    assert cluster.names() == a100(3)  # the other two are the pool's


def test_a_create_sent_again_after_its_answer_was_lost_is_the_pools_own(cluster: Cluster) -> None:
    served = cluster.server
    lost: list[str] = []

    def losing(method: str, path: str, *rest: Any) -> node_api.Answer:
        answer = served(method, path, *rest)
        if path == "/api/v1/nodes/kwok-gpu-a100-0" and len(served.nodes) == 1 and not lost:
            lost.append(path)
            raise TransportError("ReadTimeoutError: the answer never came")
        return answer

    cluster.server = losing  # type: ignore[assignment]
    cluster.provider.create(props(1))
    assert sorted(served.nodes) == a100(1)
    assert status_applied_in(served, "kwok-gpu-a100-0")


def test_a_node_replaced_between_the_list_and_its_re_apply_is_not_taken(cluster: Cluster) -> None:
    cluster.provider.create(props(2))

    def meanwhile(n: int, method: str, path: str) -> None:
        if path == "/api/v1/nodes/kwok-gpu-a100-1/status":
            old = cluster.server.nodes["kwok-gpu-a100-1"]
            if old["metadata"]["labels"][STACK_LABEL] == OWNER.label:
                del cluster.server.nodes["kwok-gpu-a100-1"]
                cluster.server.put(foreign("kwok-gpu-a100-1"), manager="gpu-fleet")

    cluster.server.before = meanwhile
    with pytest.raises(NodeApiError, match="no longer the node listed"):
        cluster.provider.update("a100", props(2), props(2, cpu=128))
    taken = cluster.server.nodes["kwok-gpu-a100-1"]
    assert taken["metadata"]["labels"][STACK_LABEL] == OTHER.label
    assert taken["status"]["capacity"]["cpu"] == "96"


def test_a_node_nobody_owns_is_refused_too(cluster: Cluster) -> None:
    by_hand = copy.deepcopy(named(node_template("a100", A100, OWNER), "kwok-gpu-a100-1"))
    del by_hand["metadata"]["labels"][STACK_LABEL]
    cluster.server.put(by_hand)
    with pytest.raises(NodeApiError, match=r"kwok-gpu-a100-1 \(owned by nobody"):
        cluster.provider.create(props(3))
    cluster.provider.delete("a100", props(3))
    assert cluster.names() == ["kwok-gpu-a100-1"]


def test_a_state_from_before_ownership_labels_adopts_its_unlabelled_nodes(
    cluster: Cluster,
) -> None:
    for name in a100(2):
        legacy = copy.deepcopy(named(node_template("a100", A100, OWNER), name))
        del legacy["metadata"]["labels"][STACK_LABEL]  # as the program wrote them then
        del legacy["metadata"]["annotations"][TEMPLATE_ANNOTATION]
        cluster.server.put(legacy)
    old_state = {**props(2), "nodeNames": a100(2)}
    for key in ("owner", "nodeCount", "node"):  # inputs a state from then does not have
        del old_state[key]
    assert "adds 1: kwok-gpu-a100-2" in summary(old_state, props(3))
    cluster.provider.update("a100", old_state, props(3))
    labels = [cluster.server.nodes[n]["metadata"]["labels"].get(STACK_LABEL) for n in a100(3)]
    assert labels == ["gpu-fleet.first"] * 3


def test_a_new_kwok_shard_is_drift_and_relabels_the_nodes_it_takes(cluster: Cluster) -> None:
    """A fleet grown from 3 to 4 KWOK controllers: the shard count is an input of the pool,
    so the change is an update of the pool that re-applies only the nodes shard 3 wins
    (about a quarter; no node moves between the old shards), and after it they carry its
    label."""
    cluster.provider.create(props(400, shards=3))
    before = {n: m["metadata"]["labels"][SHARD_LABEL] for n, m in cluster.server.nodes.items()}
    diff = cluster.provider.diff("a100", props(400, shards=3), props(400, shards=4))
    assert (diff.changes, diff.replaces) == (True, [])
    checked = cluster.provider.check(props(400, shards=3), props(400, shards=4)).inputs
    writes = len(cluster.server.requests)
    cluster.provider.update("a100", props(400, shards=3), props(400, shards=4))
    after = {n: m["metadata"]["labels"][SHARD_LABEL] for n, m in cluster.server.nodes.items()}
    moved = sorted(n for n in after if after[n] != before[n])
    assert 60 < len(moved) < 140  # about a quarter of 400
    assert {after[n] for n in moved} == {"3"}
    assert moved == sorted(n for n in after if after[n] == "3")
    assert sorted(after) == sorted(a100(400))
    assert (
        checked["changes"]
        == f"moves {len(moved)} existing nodes to another KWOK shard (3 -> 4 controllers)"
    )
    # One list, then an apply and a status apply per moved node: the others are untouched.
    assert len(cluster.server.requests) - writes == 1 + 2 * len(moved)


# -- drift: what the diff compares and the summary says -----------------------------------


def test_the_same_pool_is_no_change(cluster: Cluster) -> None:
    assert cluster.provider.diff("a100", props(3), props(3)).changes is False


def test_a_template_change_is_an_update_whose_summary_says_so(cluster: Cluster) -> None:
    changed = with_label(props(400), "example.com/new", "yes")
    diff = cluster.provider.diff("a100", props(400), changed)
    assert (diff.changes, diff.replaces) == (True, [])
    assert (
        summary(props(400), changed) == "re-applies 400 existing nodes (the rendered node changed)"
    )


def test_the_summary_names_added_and_removed_nodes_up_to_a_cap(cluster: Cluster) -> None:
    assert summary(props(400), props(402)) == "adds 2: kwok-gpu-a100-400, kwok-gpu-a100-401"
    text = summary(props(1000), props(10))
    assert text.startswith("removes 990: kwok-gpu-a100-10, kwok-gpu-a100-11,")
    assert text.endswith("kwok-gpu-a100-19 and 980 more")
    assert summary({}, props(2)) == "creates 2: kwok-gpu-a100-0, kwok-gpu-a100-1"
    assert summary(props(3), props(3)) == "no change"
    checked = cluster.provider.check(props(3), props(4))
    assert checked.inputs["changes"] == "adds 1: kwok-gpu-a100-3"


def test_a_connection_change_replaces_the_pool_deleting_first(cluster: Cluster) -> None:
    moved = {**props(3), "context": "other"}
    diff = cluster.provider.diff("a100", props(3), moved)
    assert diff.replaces == ["context"]
    assert diff.delete_before_replace is True
    assert summary(props(3), moved).startswith("moves to another cluster connection")


def test_delete_goes_through_the_connection_in_the_state(cluster: Cluster) -> None:
    cluster.provider.create(props(3))
    cluster.connected.clear()
    cluster.provider.delete("a100", {**props(3), "context": "old"})
    assert cluster.connected == [("apiVersion: v1\nkind: Config\n", "old")]
    assert cluster.names() == []


# -- every owned field reaches existing nodes; removed fields go -----------------------------


def test_a_cpu_change_reaches_the_status_of_every_existing_node(cluster: Cluster) -> None:
    cluster.provider.create(props(3))
    cluster.server.update_status_as("kwok", "kwok-gpu-a100-0", {"phase": "Running"})
    cluster.provider.update("a100", props(3), props(3, cpu=128))
    for name in a100(3):
        assert cluster.server.nodes[name]["status"]["capacity"]["cpu"] == "128"
        assert cluster.server.nodes[name]["status"]["allocatable"]["cpu"] == "128"
    assert cluster.server.nodes["kwok-gpu-a100-0"]["status"]["phase"] == "Running"


def test_a_label_added_then_taken_out_reaches_and_leaves_every_node(cluster: Cluster) -> None:
    cluster.provider.create(props(3))
    added = with_label(props(3), "example.com/new", "yes")
    cluster.provider.update("a100", props(3), added)
    assert all(
        n["metadata"]["labels"]["example.com/new"] == "yes" for n in cluster.server.nodes.values()
    )
    taken_out = with_label(added, "example.com/new", None)
    cluster.provider.update("a100", added, taken_out)
    assert all(
        "example.com/new" not in n["metadata"]["labels"] for n in cluster.server.nodes.values()
    )


def with_capacity(base: dict[str, Any], resource: str, value: str | None) -> dict[str, Any]:
    """The inputs after a program change that adds (or, with None, drops) a status
    capacity and allocatable entry."""
    changed = copy.deepcopy(base)
    status = changed["node"]["status"]
    for part in ("capacity", "allocatable"):
        if value is None:
            status[part].pop(resource)
        else:
            status[part][resource] = value
    changed["node"]["metadata"]["annotations"][TEMPLATE_ANNOTATION] = f"status-{resource}-{value}"
    return changed


def test_a_status_field_given_only_at_create_goes_when_the_program_drops_it(
    cluster: Cluster,
) -> None:
    created = with_capacity(props(3), "example.com/set-at-create", "1")
    cluster.provider.create(created)
    cluster.server.update_status_as("kwok", "kwok-gpu-a100-0", {"phase": "Running"})
    assert all(
        n["status"]["capacity"]["example.com/set-at-create"] == "1"
        for n in cluster.server.nodes.values()
    )
    dropped = with_capacity(created, "example.com/set-at-create", None)
    cluster.provider.update("a100", created, dropped)
    for node in cluster.server.nodes.values():
        assert "example.com/set-at-create" not in node["status"]["capacity"]
        assert "example.com/set-at-create" not in node["status"]["allocatable"]
        assert node["status"]["capacity"]["cpu"] == "96"
    assert cluster.server.nodes["kwok-gpu-a100-0"]["status"]["phase"] == "Running"


def test_a_node_whose_status_the_pool_never_applied_is_drift_and_finished(
    cluster: Cluster,
) -> None:
    """A create stopped between a node's two applies (or a node from before status was
    applied at create): refresh sees it, and the next up applies the status, then the node."""
    cluster.provider.create(props(3))
    del cluster.server.owned[("kwok-gpu-a100-1", "gpu-fleet", "status")]
    drifted = cluster.provider.read("a100", {**props(3), "inSync": True})
    assert drifted.outs is not None
    assert drifted.outs["inSync"] is False
    cluster.server.requests.clear()
    cluster.provider.update("a100", drifted.outs, props(3))
    assert cluster.writes() == [
        ("PATCH", "/api/v1/nodes/kwok-gpu-a100-1/status"),
        ("PATCH", "/api/v1/nodes/kwok-gpu-a100-1"),
    ]
    assert status_applied(cluster, "kwok-gpu-a100-1")


def test_an_unchanged_update_writes_only_what_is_missing_or_stale(cluster: Cluster) -> None:
    cluster.provider.create(props(3))
    cluster.server.requests.clear()
    cluster.provider.update("a100", props(3), props(4))
    assert cluster.writes() == [
        ("PATCH", "/api/v1/nodes/kwok-gpu-a100-3"),
        ("PATCH", "/api/v1/nodes/kwok-gpu-a100-3/status"),
    ]


# -- refresh --------------------------------------------------------------------------------


def test_read_marks_a_pool_whose_cluster_differs_so_up_reconciles(cluster: Cluster) -> None:
    cluster.provider.create(props(3))
    fresh = cluster.provider.read("a100", {**props(3), "inSync": True})
    assert fresh.outs is not None
    assert fresh.outs["inSync"] is True
    assert cluster.provider.diff("a100", fresh.outs, props(3)).changes is False
    del cluster.server.nodes["kwok-gpu-a100-1"]
    drifted = cluster.provider.read("a100", {**props(3), "inSync": True})
    assert drifted.outs is not None
    assert drifted.outs["inSync"] is False
    assert cluster.provider.diff("a100", drifted.outs, props(3)).changes is True
    cluster.server.requests.clear()
    cluster.provider.update("a100", drifted.outs, props(3))
    assert cluster.writes() == [
        ("PATCH", "/api/v1/nodes/kwok-gpu-a100-1"),
        ("PATCH", "/api/v1/nodes/kwok-gpu-a100-1/status"),
    ]


# -- faults -----------------------------------------------------------------------------------


def test_every_request_failing_stops_after_a_few_with_a_clear_error(cluster: Cluster) -> None:
    cluster.server.before = lambda n, method, path: answer(500) if n > 1 else None
    with pytest.raises(NodeApiError) as failed:
        cluster.provider.create(props(200))
    assert len(cluster.server.requests) < 20
    message = str(failed.value)
    assert "failed requests in a row" in message
    assert "0 created" in message
    assert "of 200 wanted" in message


def test_a_429_waits_as_long_as_retry_after_says_then_succeeds(cluster: Cluster) -> None:
    cluster.server.faults = {2: answer(429, retry_after="3")}
    cluster.provider.create(props(1))
    assert cluster.slept == [3.0]
    assert cluster.names() == a100(1)


def test_a_hang_or_a_reset_is_retried(cluster: Cluster) -> None:
    cluster.server.faults = {
        2: TransportError("ReadTimeoutError: read timed out"),
        3: TransportError("ProtocolError: connection reset by peer"),
    }
    cluster.provider.create(props(1))
    assert cluster.names() == a100(1)
    assert len(cluster.slept) == 2


def test_a_passed_deadline_stops_the_operation() -> None:
    api = KubeNodeApi(FakeApiServer(), Control(FAST, deadline=0.0))
    with pytest.raises(node_api.Stopped, match="timeout"):
        node_api.each(
            api.apply, [named(node_template("a100", A100, OWNER), "x")], api.control, "create"
        )


def test_custom_timeouts_are_read_as_pulumi_writes_them() -> None:
    assert duration_seconds("90s") == 90
    assert duration_seconds("1h30m") == 5400
    assert duration_seconds(None) is None
    with pytest.raises(ValueError, match="not a duration"):
        duration_seconds("soon")


# -- a cluster that is gone ------------------------------------------------------------------


def test_destroy_of_an_unreachable_cluster_fails_and_names_the_switch(cluster: Cluster) -> None:
    cluster.server.before = lambda n, method, path: TransportError("connection refused")
    with pytest.raises(NodeApiError, match="PULUMI_K8S_DELETE_UNREACHABLE=true"):
        cluster.provider.delete("a100", props(3))


def test_destroy_of_an_unreachable_cluster_with_the_switch_leaves_the_state(
    cluster: Cluster, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster.server.before = lambda n, method, path: TransportError("connection refused")
    cluster.provider.delete("a100", {**props(3), "deleteUnreachable": True})
    assert "deleteUnreachable is on" in capsys.readouterr().err
    monkeypatch.setenv("PULUMI_K8S_DELETE_UNREACHABLE", "true")
    cluster.provider.delete("a100", props(3))
