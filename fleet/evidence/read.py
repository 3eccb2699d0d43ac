"""Read the live cluster: one unpaginated list per kind, GET only, whatever the fleet size.

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

# (connect, read) seconds; a 1,000-node list is a few megabytes.
REQUEST_TIMEOUT = (10, 120)


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


def _json(call: Callable[..., Any]) -> Any:
    """One request's body as plain data (errors still raise the client's ApiException)."""
    response = call(_preload_content=False, _request_timeout=REQUEST_TIMEOUT)
    return json.loads(response.data)


def _version(api: client.ApiClient) -> Any:
    return _json(client.VersionApi(api).get_code)


def _nodes(api: client.ApiClient) -> Any:
    return _json(client.CoreV1Api(api).list_node)


def _pods(api: client.ApiClient) -> Any:
    return _json(client.CoreV1Api(api).list_pod_for_all_namespaces)


def _events(api: client.ApiClient) -> Any:
    return _json(client.CoreV1Api(api).list_event_for_all_namespaces)


def _deployments(api: client.ApiClient) -> Any:
    return _json(client.AppsV1Api(api).list_deployment_for_all_namespaces)


def _daemonsets(api: client.ApiClient) -> Any:
    return _json(client.AppsV1Api(api).list_daemon_set_for_all_namespaces)


def _resource_slices(api: client.ApiClient) -> Any:
    return _json(client.ResourceV1Api(api).list_resource_slice)


def _resource_claims(api: client.ApiClient) -> Any:
    return _json(client.ResourceV1Api(api).list_resource_claim_for_all_namespaces)


Read = tuple[str, Callable[[client.ApiClient], Any]]

# Every request an evidence run makes, in order; nothing else is read.
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
    """The requests of one run: DRA's two lists only when the stack offers DRA."""
    return READS + DRA_READS if dra else READS


def read_cluster(
    api: client.ApiClient,
    progress: Callable[[str, int | None], None] = lambda _k, _n: None,
    dra: bool = False,
) -> ClusterSnapshot:
    """List every kind once.

    `progress(kind, None)` is called before a request and `progress(kind, count)`
    after it, so that a caller can show what a slow list is waiting for.
    """
    found: dict[str, Any] = {}
    for kind, read in reads(dra):
        progress(kind, None)
        data = read(api)
        found[kind] = data if kind == "version" else data.get("items") or []
        progress(kind, 1 if kind == "version" else len(found[kind]))
    return ClusterSnapshot(**found)
