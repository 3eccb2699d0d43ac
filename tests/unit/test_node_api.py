"""The Node requests as the API server sees them: one field manager, server-side apply
for every write (the status through its subresource), deletes guarded by the node's
uid, a paginated metadata-only list, and retries that honour `Retry-After`."""

import json
from pathlib import Path
from typing import Any

import pytest

from fleet.cluster.node_api import (
    APPLY_PATCH,
    FIELD_MANAGER,
    Answer,
    Control,
    KubeNodeApi,
    Limits,
    NodeMeta,
    Unreachable,
    connect,
    retry_after,
)
from fleet.render.nodes import named, node_template
from tests.unit.test_node_pool_provider import A100, OWNER

Request = tuple[str, str, list[tuple[str, str]], dict[str, str], Any, float]


class Recording:
    """Answers from a script, in order; keeps every request."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[Request] = []

    def __call__(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        body: Any,
        timeout: float,
    ) -> Answer:
        self.requests.append((method, path, query, headers, body, timeout))
        return self.answers.pop(0)


def ok(body: Any = None) -> Answer:
    return Answer(200, {}, json.dumps(body or {}).encode())


NODE = named(node_template("a100", A100, OWNER), "kwok-gpu-a100-0")


def test_apply_is_a_forced_server_side_apply_of_the_node_as_built_with_a_timeout() -> None:
    recording = Recording(ok())
    KubeNodeApi(recording, Control(Limits(request_timeout=7.0))).apply(NODE)
    ((method, path, query, headers, body, timeout),) = recording.requests
    assert (method, path) == ("PATCH", "/api/v1/nodes/kwok-gpu-a100-0")
    assert query == [("fieldManager", FIELD_MANAGER), ("force", "true")]
    assert headers["Content-Type"] == APPLY_PATCH
    assert body == NODE
    assert timeout == 7.0


def test_status_goes_through_the_subresource_under_the_same_manager() -> None:
    recording = Recording(ok())
    KubeNodeApi(recording).apply_status(NODE)
    ((method, path, query, headers, body, _),) = recording.requests
    assert (method, path) == ("PATCH", "/api/v1/nodes/kwok-gpu-a100-0/status")
    assert query == [("fieldManager", FIELD_MANAGER), ("force", "true")]
    assert headers["Content-Type"] == APPLY_PATCH
    assert body == {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "kwok-gpu-a100-0"},
        "status": NODE["status"],
    }


def test_delete_names_the_uid_it_listed() -> None:
    recording = Recording(Answer(404, {}, b"{}"))
    KubeNodeApi(recording).delete(NodeMeta("kwok-gpu-a100-7", "u-1", {}, {}))
    ((method, path, _, _, body, _),) = recording.requests
    assert (method, path) == ("DELETE", "/api/v1/nodes/kwok-gpu-a100-7")
    assert body["preconditions"] == {"uid": "u-1"}


def test_nodes_reads_every_page_of_metadata() -> None:
    def page(names: list[str], token: str) -> Answer:
        items = [{"metadata": {"name": n, "uid": n, "labels": {"k": "v"}}} for n in names]
        return ok({"items": items, "metadata": {"continue": token}})

    recording = Recording(page(["a", "b"], "next"), page(["c"], ""))
    found = KubeNodeApi(recording).nodes("gpu-pool=a100")
    assert sorted(found) == ["a", "b", "c"]
    assert found["c"].labels == {"k": "v"}
    first, second = recording.requests
    assert ("labelSelector", "gpu-pool=a100") in first[2]
    assert ("continue", "next") in second[2]
    assert "PartialObjectMetadataList" in first[3]["Accept"]


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after({"Retry-After": "5"}) == 5.0
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after({}) is None


def test_a_kubeconfig_that_leads_nowhere_is_an_unreachable_cluster(tmp_path: Path) -> None:
    with pytest.raises(Unreachable, match=r"cannot use .*missing"):
        connect(str(tmp_path / "missing"), None, Control())
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\ncontexts: []\nclusters: []\nusers: []\n")
    with pytest.raises(Unreachable, match="context gone"):
        connect(str(kubeconfig), "gone", Control())
