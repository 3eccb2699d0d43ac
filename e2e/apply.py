"""Fallback for `pulumi up`: create the stack's own objects with the kubernetes client.

The objects are exactly `fleet.manifests.stack_objects(spec)`, the ones the Pulumi
components send. Nodes are created with their status (the API server keeps status
on create). A namespace's pods are only admitted once its `default` ServiceAccount
exists, so each new namespace is waited for before its objects follow.

`update_objects` covers what a capacity change needs (new objects, a Deployment
whose spec changed) and refuses anything else rather than pretend to be an engine.
"""

import time
from collections.abc import Iterable, Sequence
from typing import Any

from kubernetes import utils
from kubernetes.client.exceptions import ApiException

from e2e import kube

SERVICE_ACCOUNT_TIMEOUT = 60.0


def _wait_for_default_service_account(api: Any, namespace: str) -> None:
    core = kube.core(api)
    deadline = time.monotonic() + SERVICE_ACCOUNT_TIMEOUT
    while True:
        try:
            core.read_namespaced_service_account("default", namespace, _preload_content=False)
            return
        except ApiException as error:
            if error.status != 404 or time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def create_objects(api: Any, objects: Iterable[dict[str, Any]]) -> list[str]:
    """Create every object in order; return `Kind/name` of each. Any API error raises."""
    created = []
    for obj in objects:
        namespace = obj["metadata"].get("namespace", "default")
        utils.create_from_dict(api, obj, namespace=namespace)  # type: ignore[no-untyped-call]
        created.append(f"{obj['kind']}/{obj['metadata']['name']}")
        if obj["kind"] == "Namespace":
            _wait_for_default_service_account(api, obj["metadata"]["name"])
    return created


def _key(obj: dict[str, Any]) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def update_objects(
    api: Any, before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]
) -> list[str]:
    """Move the cluster from `before` to `after`: create new objects, patch changed
    Deployments; raise ValueError for removals or other changes (not supported here)."""
    old = {_key(obj): obj for obj in before}
    removed = sorted(set(old) - {_key(obj) for obj in after})
    if removed:
        raise ValueError(f"the fallback path does not delete objects: {removed}")
    changed = [obj for obj in after if _key(obj) in old and old[_key(obj)] != obj]
    unsupported = [_key(obj) for obj in changed if obj["kind"] != "Deployment"]
    if unsupported:
        raise ValueError(f"the fallback path only updates Deployments, not {unsupported}")
    done = create_objects(api, [obj for obj in after if _key(obj) not in old])
    for obj in changed:
        meta = obj["metadata"]
        kube.apps(api).patch_namespaced_deployment(
            meta["name"], meta["namespace"], {"spec": obj["spec"]}, _content_type=kube.MERGE_PATCH
        )
        done.append(f"Deployment/{meta['name']} (spec patched)")
    return done
