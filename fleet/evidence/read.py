"""Read the live cluster: one unpaginated list per kind, GET only, whatever the fleet size.

Objects are kept as plain data in their API (camelCase) form, so that the rest
of the evidence code never depends on the client's model classes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes import client

# (connect, read) seconds; a 1,000-node list is a few megabytes.
REQUEST_TIMEOUT = (10, 120)

Object = dict[str, Any]


@dataclass(frozen=True)
class ClusterSnapshot:
    version: Object
    nodes: list[Object]
    pods: list[Object]
    events: list[Object]
    deployments: list[Object]
    daemonsets: list[Object]


def _version(api: client.ApiClient) -> Any:
    return client.VersionApi(api).get_code(_request_timeout=REQUEST_TIMEOUT)


def _nodes(api: client.ApiClient) -> Any:
    return client.CoreV1Api(api).list_node(_request_timeout=REQUEST_TIMEOUT)


def _pods(api: client.ApiClient) -> Any:
    return client.CoreV1Api(api).list_pod_for_all_namespaces(_request_timeout=REQUEST_TIMEOUT)


def _events(api: client.ApiClient) -> Any:
    return client.CoreV1Api(api).list_event_for_all_namespaces(_request_timeout=REQUEST_TIMEOUT)


def _deployments(api: client.ApiClient) -> Any:
    return client.AppsV1Api(api).list_deployment_for_all_namespaces(
        _request_timeout=REQUEST_TIMEOUT
    )


def _daemonsets(api: client.ApiClient) -> Any:
    return client.AppsV1Api(api).list_daemon_set_for_all_namespaces(
        _request_timeout=REQUEST_TIMEOUT
    )


# Every request an evidence run makes, in order; nothing else is read.
READS: tuple[tuple[str, Callable[[client.ApiClient], Any]], ...] = (
    ("version", _version),
    ("nodes", _nodes),
    ("pods", _pods),
    ("events", _events),
    ("deployments", _deployments),
    ("daemonsets", _daemonsets),
)


def read_cluster(
    api: client.ApiClient, progress: Callable[[str, int | None], None] = lambda _k, _n: None
) -> ClusterSnapshot:
    """List every kind once.

    `progress(kind, None)` is called before a request and `progress(kind, count)`
    after it, so that a caller can show what a slow list is waiting for.
    """
    found: dict[str, Any] = {}
    for kind, read in READS:
        progress(kind, None)
        data = api.sanitize_for_serialization(read(api))  # type: ignore[no-untyped-call]
        found[kind] = data if kind == "version" else data.get("items") or []
        progress(kind, 1 if kind == "version" else len(found[kind]))
    return ClusterSnapshot(**found)
