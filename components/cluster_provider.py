"""What the two pool-level dynamic providers (`node_pool_provider`, `node_status_provider`)
share: reaching the cluster from the engine's dynamic-provider server.

`connected` builds a provider's NodeApi from the connection in the resource's inputs
(kubeconfig and context), with the operation's deadline (its custom timeout, given in
seconds), the request timeout (GPU_FLEET_REQUEST_TIMEOUT, else node_api.Limits'), and a
stop once the engine no longer waits: its cancel (the first Ctrl-C, heard through
`engine_cancel`, which `configure` sets up), an interrupt of this process (a second
Ctrl-C, or the end of the engine's run: the main thread, the gRPC server's, ends) or
the engine's own end (killed: this process's parent changes).
"""

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from pulumi.dynamic import ConfigureRequest, ResourceProvider

from components import engine_cancel
from fleet.cluster import node_api

# Seconds one request may take before it counts as failed (default: node_api.Limits).
REQUEST_TIMEOUT_ENV = "GPU_FLEET_REQUEST_TIMEOUT"

Connect = Callable[[str | None, str | None, node_api.Control], node_api.NodeApi]


class ClusterProvider(ResourceProvider):
    """A dynamic provider whose operations write to the cluster in its inputs.

    `connect` builds the NodeApi from the state's kubeconfig and context; tests give a
    fake one. The engine's state holds the provider serialized by reference (its class
    and `connect`), so neither may move or be renamed.
    """

    serialize_as_secret_always = False

    def __init__(self, connect: Connect = node_api.connect) -> None:
        self.connect = connect

    def configure(self, req: ConfigureRequest) -> None:
        engine_cancel.listen_here()

    def _api(self, props: Mapping[str, Any], operation: str) -> node_api.NodeApi:
        return connected(self.connect, props, operation)


def connected(connect: Connect, props: Mapping[str, Any], operation: str) -> node_api.NodeApi:
    """The NodeApi for the connection in `props`, with the operation's deadline (its
    custom timeout), the request timeout, and the engine's cancel."""
    seconds = (props.get("timeouts") or {}).get(operation)
    deadline = time.monotonic() + float(seconds) if seconds else None
    timeout = os.environ.get(REQUEST_TIMEOUT_ENV)
    limits = node_api.Limits(request_timeout=float(timeout)) if timeout else node_api.Limits()
    control = node_api.Control(limits, deadline=deadline, cancelled=engine_gone)
    return connect(props.get("kubeconfig"), props.get("context"), control)


def engine_gone() -> bool:
    """Whether the engine has stopped waiting for this provider: it cancelled, it
    interrupted the provider's process, or it ended itself."""
    return (
        engine_cancel.CANCELLED.is_set()
        or not threading.main_thread().is_alive()
        or os.getppid() != _ENGINE
    )


# The process that started this one: the engine, when this module runs in the provider.
_ENGINE = os.getppid()
