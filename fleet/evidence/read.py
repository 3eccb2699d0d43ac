"""Read the live cluster: one list per kind, in pages, GET only, whatever the fleet size.

Each list is read in pages of `PAGE` objects, as kubectl does: at 10,000 nodes one
unpaged node list is a response of about 100 MB, which a busy API server drops before
it is sent; the pages of one list come from one consistent snapshot of the store.

A stack that offers GPUs by DRA also lists ResourceSlices and ResourceClaims
(two more requests); the others never ask the cluster for `resource.k8s.io`.

Objects are kept as plain data in their API (camelCase) form, so that the rest
of the evidence code never depends on the client's model classes. They are decoded
from the response's JSON as it came, never built into the client's models first: at
10,000 nodes that detour was most of an evidence run's time.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes import client

from fleet.evidence.objects import Object

# (connect, read) seconds, per request.
REQUEST_TIMEOUT = (10, 120)
# Objects per request (kubectl's chunk size).
PAGE = 500


@dataclass(frozen=True)
class ClusterSnapshot:
    version: Object
    nodes: list[Object]
    pods: list[Object]
    events: list[Object]
    deployments: list[Object]
    daemonsets: list[Object]
    # None when not read (the stack offers no DRA).
    resource_slices: list[Object] | None = None
    resource_claims: list[Object] | None = None
    # GET requests made: one per list, and one more per page beyond a list's first.
    requests: int = 0


def _json(call: Callable[..., Any], **query: Any) -> Any:
    """One request's body as plain data (errors still raise the client's ApiException)."""
    response = call(_preload_content=False, _request_timeout=REQUEST_TIMEOUT, **query)
    return json.loads(response.data)


def _paged(call: Callable[..., Any]) -> tuple[Any, int]:
    """A list read page by page and returned whole, as one list body, with its pages."""
    items: list[Any] = []
    token = None
    pages = 0
    while True:
        page = _json(call, limit=PAGE, **({"_continue": token} if token else {}))
        pages += 1
        items += page.get("items") or []
        token = (page.get("metadata") or {}).get("continue")
        if not token:
            return {**page, "items": items}, pages


def _version(api: client.ApiClient) -> tuple[Any, int]:
    return _json(client.VersionApi(api).get_code), 1


def _nodes(api: client.ApiClient) -> tuple[Any, int]:
    return _paged(client.CoreV1Api(api).list_node)


def _pods(api: client.ApiClient) -> tuple[Any, int]:
    return _paged(client.CoreV1Api(api).list_pod_for_all_namespaces)


def _events(api: client.ApiClient) -> tuple[Any, int]:
    return _paged(client.CoreV1Api(api).list_event_for_all_namespaces)


def _deployments(api: client.ApiClient) -> tuple[Any, int]:
    return _paged(client.AppsV1Api(api).list_deployment_for_all_namespaces)


def _daemonsets(api: client.ApiClient) -> tuple[Any, int]:
    return _paged(client.AppsV1Api(api).list_daemon_set_for_all_namespaces)


def _resource_slices(api: client.ApiClient) -> tuple[Any, int]:
    return _paged(client.ResourceV1Api(api).list_resource_slice)


def _resource_claims(api: client.ApiClient) -> tuple[Any, int]:
    return _paged(client.ResourceV1Api(api).list_resource_claim_for_all_namespaces)


Read = tuple[str, Callable[[client.ApiClient], tuple[Any, int]]]

# Every list an evidence run makes, in order (a list of more than PAGE objects takes
# one request per page); nothing else is read.
READS: tuple[Read, ...] = (
    ("version", _version),
    ("nodes", _nodes),
    ("pods", _pods),
    ("events", _events),
    ("deployments", _deployments),
    ("daemonsets", _daemonsets),
)
DRA_READS: tuple[Read, ...] = (
    ("resource_slices", _resource_slices),
    ("resource_claims", _resource_claims),
)


def reads(dra: bool) -> tuple[Read, ...]:
    """The reads of one run: DRA's two lists only when the stack offers DRA."""
    return READS + DRA_READS if dra else READS


def read_cluster(
    api: client.ApiClient,
    progress: Callable[[str, int | None], None] = lambda _k, _n: None,
    dra: bool = False,
) -> ClusterSnapshot:
    """List every kind once (in pages).

    `progress(kind, None)` is called before a request and `progress(kind, count)`
    after it, so that a caller can show what a slow list is waiting for.
    """
    found: dict[str, Any] = {}
    requests = 0
    for kind, read in reads(dra):
        progress(kind, None)
        data, made = read(api)
        requests += made
        found[kind] = data if kind == "version" else data.get("items") or []
        progress(kind, 1 if kind == "version" else len(found[kind]))
    return ClusterSnapshot(**found, requests=requests)
