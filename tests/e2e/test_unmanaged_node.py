"""A node without the `kwok.x-k8s.io/node: fake` annotation is left alone by both
KWOK (as its in-cluster install is configured) and the GPU stand-in, even when it
carries a pool label. Runs last: it adds a node to the session's cluster."""

import time

import pytest

from e2e import gpu_advertiser, kube
from e2e.fleet_up import Fleet
from fleet.nodes import GPU_RESOURCE, KWOK_NODE_ANNOTATION, OPERATOR_POOL_LABEL

pytestmark = pytest.mark.e2e

# Managed nodes turn Ready within about a second here; give KWOK and the stand-in
# several of their polling rounds to (wrongly) touch this one.
OBSERVE_SECONDS = 5.0


def test_node_without_the_fake_annotation_is_not_managed(fleet: Fleet) -> None:
    node = next(obj for obj in fleet.objects if obj["kind"] == "Node")
    name = "not-annotated-0"
    metadata = {
        "name": name,
        "labels": {**node["metadata"]["labels"], "kubernetes.io/hostname": name},
    }
    core = kube.core(fleet.api)
    core.create_node({"apiVersion": "v1", "kind": "Node", "metadata": metadata})
    time.sleep(OBSERVE_SECONDS)
    seen = kube.raw(core.read_node, name)
    assert KWOK_NODE_ANNOTATION not in (seen["metadata"].get("annotations") or {})
    assert seen["metadata"]["labels"][OPERATOR_POOL_LABEL] in ("a100", "h100", "l40s")
    assert not seen.get("status", {}).get("conditions"), "KWOK managed a node it should not"
    assert GPU_RESOURCE not in (seen.get("status", {}).get("capacity") or {}), gpu_advertiser.NAME
    assert name not in fleet.advertiser.patched
