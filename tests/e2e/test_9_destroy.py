"""`pulumi destroy` of the session's stack leaves nothing of the fleet behind. Runs last."""

from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from lab import kube
from lab.engine import FleetStack
from lab.lesson1 import OPERATOR_NAMESPACE
from tests.e2e.test_1_lesson1 import fake_nodes

pytestmark = pytest.mark.e2e


def _namespace_exists(api: Any, name: str) -> bool:
    try:
        kube.raw(kube.core(api).read_namespace, name)
    except ApiException as error:
        if error.status == 404:
            return False
        raise
    return True


def test_destroy_leaves_no_node_demo_or_operator(lesson1: FleetStack, api: Any) -> None:
    run = lesson1.destroy()
    assert len(run.names("delete", ":Node")) == 5
    assert fake_nodes(api) == {}
    waited = kube.wait_until(lambda: not _namespace_exists(api, "gpu-demo"), timeout=120)
    assert waited, "namespace gpu-demo still exists"
    waited = kube.wait_until(lambda: not _namespace_exists(api, OPERATOR_NAMESPACE), timeout=120)
    assert waited, f"namespace {OPERATOR_NAMESPACE} still exists"
    releases = kube.items(
        kube.core(api).list_secret_for_all_namespaces, label_selector="owner=helm"
    )
    assert releases == []
    assert lesson1.resource_names() == []
