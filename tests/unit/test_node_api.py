"""The Node calls as the API server sees them, through a recording transport: server-side
apply under the `gpu-fleet` field manager, deletes that tolerate a missing node, and a
paginated metadata-only list."""

import json
from typing import Any

import pytest

from fleet.cluster.node_api import FIELD_MANAGER, KubeNodeApi, NodeApiError
from fleet.render.nodes import fake_node
from tests.unit.test_node_pool_provider import A100

Request = tuple[str, str, list[tuple[str, str]], dict[str, str], Any]


class Recording:
    """Answers from a script, in order; keeps every request."""

    def __init__(self, *answers: tuple[int, bytes]) -> None:
        self.answers = list(answers)
        self.requests: list[Request] = []

    def __call__(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        body: Any,
    ) -> tuple[int, bytes]:
        self.requests.append((method, path, query, headers, body))
        return self.answers.pop(0)


def test_apply_is_a_forced_server_side_apply_of_the_manifest_as_built() -> None:
    manifest = fake_node("a100", A100, 0, 1)
    recording = Recording((201, b"{}"))
    KubeNodeApi(recording).apply(manifest)
    ((method, path, query, headers, body),) = recording.requests
    assert (method, path) == ("PATCH", "/api/v1/nodes/kwok-gpu-a100-0")
    assert query == [("fieldManager", FIELD_MANAGER), ("force", "true")]
    assert headers["Content-Type"] == "application/apply-patch+yaml"
    assert body == manifest


def test_create_is_a_plain_create_under_the_field_manager() -> None:
    manifest = fake_node("a100", A100, 0, 1)
    recording = Recording((201, b"{}"))
    KubeNodeApi(recording).create(manifest)
    ((method, path, query, headers, body),) = recording.requests
    assert (method, path, query) == ("POST", "/api/v1/nodes", [("fieldManager", FIELD_MANAGER)])
    assert headers["Content-Type"] == "application/json"
    assert body == manifest


def test_create_of_a_node_that_exists_applies_it_instead() -> None:
    recording = Recording((409, b"{}"), (200, b"{}"))
    KubeNodeApi(recording).create(fake_node("a100", A100, 0, 1))
    assert [(r[0], r[1]) for r in recording.requests] == [
        ("POST", "/api/v1/nodes"),
        ("PATCH", "/api/v1/nodes/kwok-gpu-a100-0"),
    ]


def test_a_refused_apply_names_the_node_and_the_reason() -> None:
    answer = json.dumps({"message": "Node is invalid"}).encode()
    with pytest.raises(NodeApiError, match="apply of node kwok-gpu-a100-0: HTTP 422: Node is"):
        KubeNodeApi(Recording((422, answer))).apply(fake_node("a100", A100, 0, 1))


def test_delete_of_a_node_already_gone_is_fine() -> None:
    recording = Recording((404, b"{}"), (200, b"{}"))
    api = KubeNodeApi(recording)
    api.delete("kwok-gpu-a100-7")
    api.delete("kwok-gpu-a100-8")
    assert [(r[0], r[1]) for r in recording.requests] == [
        ("DELETE", "/api/v1/nodes/kwok-gpu-a100-7"),
        ("DELETE", "/api/v1/nodes/kwok-gpu-a100-8"),
    ]
    with pytest.raises(NodeApiError, match="HTTP 403"):
        KubeNodeApi(Recording((403, b"{}"))).delete("kwok-gpu-a100-9")


def test_names_reads_every_page_of_metadata() -> None:
    def page(names: list[str], token: str) -> tuple[int, bytes]:
        items = [{"metadata": {"name": name}} for name in names]
        return 200, json.dumps({"items": items, "metadata": {"continue": token}}).encode()

    recording = Recording(page(["a", "b"], "next"), page(["c"], ""))
    assert KubeNodeApi(recording).names("gpu-pool=a100") == {"a", "b", "c"}
    first, second = recording.requests
    assert ("labelSelector", "gpu-pool=a100") in first[2]
    assert ("continue", "next") in second[2]
    assert "PartialObjectMetadataList" in first[3]["Accept"]
