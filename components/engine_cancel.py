"""The engine's cancel (the first Ctrl-C of `pulumi up`), heard inside the Python
dynamic-provider server.

The engine asks every provider to stop with a Cancel request, then waits for the
operations under way. The SDK's server for Python dynamic providers
(`python -m pulumi.dynamic`, whose module is `__main__` in that process) answers
Cancel with an empty reply and tells no provider, so a pool would keep writing
until all its nodes exist. `listen` makes that handler also set `CANCELLED`, by
giving the handler's function the code of `_heard` (same module globals, no free
variables): the gRPC server keeps a bound method of that function, so nothing else
it would call can be changed from inside the process. It only does so while the
handler is the SDK's no-op; a server that handles Cancel some other way is left as
it is (the pool then only sees the engine's termination).
"""

import sys
import threading
from types import ModuleType
from typing import Any

from pulumi.runtime.proto import ResourceProviderServicer

CANCELLED = threading.Event()
# The name under which the server module's globals hold CANCELLED for `_heard`.
GLOBAL = "_gpu_fleet_engine_cancelled"
SERVICER = "DynamicResourceProviderServicer"
# What the SDK's Cancel handler looks up: `return empty_pb2.Empty()`.
NO_OP_NAMES = ("empty_pb2", "Empty")


def _heard(self: Any, request: Any, context: Any) -> Any:
    """The Cancel handler's new body; its names are the server module's globals."""
    _gpu_fleet_engine_cancelled.set()  # type: ignore[name-defined]  # noqa: F821
    return empty_pb2.Empty()  # type: ignore[name-defined]  # noqa: F821


def listen_here() -> bool:
    """`listen` to the server running this process (`python -m pulumi.dynamic`): for a
    dynamic provider's `configure`, which runs once in that process before any operation."""
    return listen(sys.modules.get("__main__"))


def listen(server_module: ModuleType | None) -> bool:
    """Make the dynamic-provider server in `server_module` set CANCELLED when the
    engine cancels; whether it now does."""
    servicer = getattr(server_module, SERVICER, None)
    if not (isinstance(servicer, type) and issubclass(servicer, ResourceProviderServicer)):
        return False
    handler = servicer.__dict__.get("Cancel")
    code = getattr(handler, "__code__", None)
    if code is _heard.__code__:
        return True
    if code is None or code.co_names != NO_OP_NAMES or code.co_freevars:
        return False
    setattr(server_module, GLOBAL, CANCELLED)
    handler.__code__ = _heard.__code__  # type: ignore[union-attr]
    return True
