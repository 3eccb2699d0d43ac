"""The engine's cancel reaches the pool: the Python dynamic-provider server's Cancel
handler (taken from the installed SDK's own source) sets the flag the pool's requests
check, and a pool whose engine cancels stops writing with a clear error."""

import ast
import importlib.util
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import pytest

from components import engine_cancel
from components.node_pool_provider import NodePoolProvider
from components.node_status_provider import NodeStatusProvider
from fleet.cluster.node_api import NodeApiError
from tests.unit.test_node_pool_provider import Cluster, props


def sdk_server_module() -> ModuleType:
    """A module holding the installed SDK's dynamic-provider servicer with its real
    Cancel handler (and the import it needs), without starting the server."""
    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    assert spec is not None
    assert spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text())
    servicer = next(
        node
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name == engine_cancel.SERVICER
    )
    servicer.body = [
        node
        for node in servicer.body
        if isinstance(node, ast.FunctionDef) and node.name == "Cancel"
    ]
    assert servicer.body, "the SDK's servicer has no Cancel handler"
    imports = ast.parse(
        "from google.protobuf import empty_pb2\n"
        "from pulumi.runtime.proto import ResourceProviderServicer\n"
    ).body
    module = ModuleType("dynamic_provider_server")
    code = compile(ast.Module(body=[*imports, servicer], type_ignores=[]), spec.origin, "exec")
    exec(code, module.__dict__)  # noqa: S102 - the SDK's own source, cut down
    return module


@pytest.fixture(autouse=True)
def not_cancelled() -> Iterator[None]:
    engine_cancel.CANCELLED.clear()
    yield
    engine_cancel.CANCELLED.clear()


def test_the_sdks_cancel_handler_sets_the_flag_once_listened_to() -> None:
    module = sdk_server_module()
    handler = module.DynamicResourceProviderServicer().Cancel  # bound, as gRPC keeps it
    assert engine_cancel.listen(module)
    assert not engine_cancel.CANCELLED.is_set()
    reply = handler(None, None)
    assert type(reply).__name__ == "Empty"
    assert engine_cancel.CANCELLED.is_set()
    assert engine_cancel.listen(module)  # a second provider in the process: still heard


def test_a_server_that_handles_cancel_otherwise_is_left_alone() -> None:
    module = ModuleType("another_server")
    exec(  # noqa: S102
        "from pulumi.runtime.proto import ResourceProviderServicer\n"
        "class DynamicResourceProviderServicer(ResourceProviderServicer):\n"
        "    def Cancel(self, request, context):\n"
        "        return self.provider.cancel()\n",
        module.__dict__,
    )
    before = module.DynamicResourceProviderServicer.Cancel.__code__
    assert not engine_cancel.listen(module)
    assert module.DynamicResourceProviderServicer.Cancel.__code__ is before
    unrelated = ModuleType("unrelated")
    exec(  # noqa: S102
        "from google.protobuf import empty_pb2\n"
        "class DynamicResourceProviderServicer:\n"
        "    def Cancel(self, request, context):\n"
        "        return empty_pb2.Empty()\n",
        unrelated.__dict__,
    )
    assert not engine_cancel.listen(unrelated)
    assert not engine_cancel.listen(None)
    assert not engine_cancel.listen(ModuleType("no_server_here"))


def test_a_cancel_during_a_create_stops_the_writes_with_a_clear_error() -> None:
    cluster = Cluster()
    cluster.server.before = lambda n, method, path: (
        engine_cancel.CANCELLED.set() if n == 11 else None
    )
    with pytest.raises(NodeApiError) as stopped:
        cluster.provider.create(props(200))
    message = str(stopped.value)
    assert "create stopped: cancelled" in message
    assert "Run `pulumi up` again" in message
    # The list and 10 writes, then at most the 8 requests already under way.
    assert len(cluster.server.requests) <= 11 + 8
    assert 0 < len(cluster.server.nodes) < 200


@pytest.mark.parametrize("provider", [NodePoolProvider, NodeStatusProvider])
def test_configure_listens_to_the_server_running_the_provider(
    provider: type[NodePoolProvider | NodeStatusProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the provider's process the server is `__main__` (`python -m pulumi.dynamic`)."""
    server = sdk_server_module()
    handler = server.DynamicResourceProviderServicer().Cancel
    monkeypatch.setitem(sys.modules, "__main__", server)
    provider(Cluster().connect).configure(None)  # type: ignore[arg-type]
    handler(None, None)
    assert engine_cancel.CANCELLED.is_set()


def test_make_room_lets_a_request_run_while_every_worker_is_busy() -> None:
    """A one-worker pool, as busy as the SDK's four are with four pool operations: after
    `make_room`, the next request (the engine's Cancel) gets a thread of its own."""
    release = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        busy = pool.submit(
            lambda: engine_cancel.make_room(threading.current_thread()) and release.wait(10)
        )
        cancel = pool.submit(engine_cancel.CANCELLED.set)
        cancel.result(timeout=5)
        assert engine_cancel.CANCELLED.is_set()
        assert not busy.done()
        release.set()
        assert busy.result(timeout=5)


def test_make_room_refuses_a_thread_no_pool_runs() -> None:
    assert engine_cancel.pool_of(threading.current_thread()) is None
    assert not engine_cancel.make_room(threading.current_thread())


def test_listen_here_says_when_the_cancel_cannot_be_heard(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside the SDK's server (here: pytest's `__main__`, its main thread) both fail."""
    monkeypatch.setitem(sys.modules, "__main__", ModuleType("not_the_server"))
    assert not engine_cancel.listen_here()
    said = capsys.readouterr().err
    assert "Cancel cannot be heard" in said
    assert "not the SDK's no-op" in said
    assert "thread pool" in said
    assert "a second one (which ends the engine) will" in said


def test_listen_here_is_silent_inside_the_sdks_server(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "__main__", sdk_server_module())
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert pool.submit(engine_cancel.listen_here).result(timeout=5)
        assert pool._max_workers == engine_cancel.ROOM
    assert capsys.readouterr().err == ""
