"""Existing stacks keep working: the engine's state holds each pool-level resource's
provider as the SDK serialized it (`__provider`), and a delete or a refresh runs the
provider from that state. The strings below were recorded from the providers before
they moved onto `fleet.reconcile` and `components/cluster_provider.py`."""

import base64

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.cluster_provider import ClusterProvider
from components.node_pool_provider import NodePoolProvider
from components.node_status_provider import NodeStatusProvider
from fleet.cluster import node_api

RECORDED: dict[type[ClusterProvider], str] = {
    NodePoolProvider: (
        "gASVZAAAAAAAAACMHWNvbXBvbmVudHMubm9kZV9wb29sX3Byb3ZpZGVylIwQTm9kZVBvb2xQcm92aWRlcpST"
        "lCmBlH2UjAdjb25uZWN0lIwWZmxlZXQuY2x1c3Rlci5ub2RlX2FwaZRoBZOUc2Iu"
    ),
    NodeStatusProvider: (
        "gASVaAAAAAAAAACMH2NvbXBvbmVudHMubm9kZV9zdGF0dXNfcHJvdmlkZXKUjBJOb2RlU3RhdHVzUHJvdmlk"
        "ZXKUk5QpgZR9lIwHY29ubmVjdJSMFmZsZWV0LmNsdXN0ZXIubm9kZV9hcGmUaAWTlHNiLg=="
    ),
}


@pytest.mark.parametrize("provider", list(RECORDED), ids=lambda p: p.__name__)
def test_a_recorded_provider_loads_as_todays(provider: type[ClusterProvider]) -> None:
    loaded = dill.loads(base64.b64decode(RECORDED[provider]))  # noqa: S301 - recorded here
    assert type(loaded) is provider
    assert loaded.connect is node_api.connect


@pytest.mark.parametrize("provider", list(RECORDED), ids=lambda p: p.__name__)
def test_todays_provider_serializes_as_the_recorded_one(provider: type[ClusterProvider]) -> None:
    """So a preview of an existing stack sees no change in `__provider` either."""
    assert serialize_provider(provider()) == RECORDED[provider]
