"""Thin helpers over the kubernetes client: plain JSON in and out, no generated models."""

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes import client, config


def api_client(kubeconfig: Path) -> Any:
    """An ApiClient for the kubeconfig's current context."""
    return config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]


def core(api: Any) -> Any:
    return client.CoreV1Api(api)


def apps(api: Any) -> Any:
    return client.AppsV1Api(api)


def batch(api: Any) -> Any:
    return client.BatchV1Api(api)


def raw(call: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Call a generated API method and return the response body as a plain dict."""
    response = call(*args, _preload_content=False, **kwargs)
    body: dict[str, Any] = json.loads(response.data)
    return body


def items(call: Callable[..., Any], *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """The `items` of a list call, as plain dicts."""
    found: list[dict[str, Any]] = raw(call, *args, **kwargs).get("items", [])
    return found


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.5) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def custom(api: Any) -> Any:
    return client.CustomObjectsApi(api)


def extensions(api: Any) -> Any:
    return client.ApiextensionsV1Api(api)


def coordination(api: Any) -> Any:
    return client.CoordinationV1Api(api)


def discovery(api: Any) -> Any:
    return client.DiscoveryV1Api(api)


def admission(api: Any) -> Any:
    return client.AdmissionregistrationV1Api(api)


def api_registration(api: Any) -> Any:
    return client.ApiregistrationV1Api(api)
