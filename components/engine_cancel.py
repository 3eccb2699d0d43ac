"""The engine's cancel (the first Ctrl-C of `pulumi up`), heard inside the Python
dynamic-provider server.

The engine asks every provider to stop with a Cancel request, then waits for the
operations under way. The SDK's server for Python dynamic providers
(`python -m pulumi.dynamic`, whose module is `__main__` in that process) answers
Cancel with an empty reply and tells no provider, and its `ResourceProvider` has no
cancel method to implement (pulumi 3.259.0: only the non-dynamic
`pulumi.provider.Provider` has one), so a pool would keep writing until all its
nodes exist. Two changes from inside the process make the cancel arrive:

- `listen` makes that handler also set `CANCELLED`, by giving the handler's function
  the code of `_heard` (same module globals, no free variables): the gRPC server keeps
  a bound method of that function, so nothing else it would call can be changed. It
  only does so while the handler is the SDK's no-op; a server that handles Cancel some
  other way is left as it is.
- `make_room` lifts the server's worker limit (the SDK starts it with 4 threads): a
  pool operation holds its worker until its last node is written, so with 4 pool
  operations in flight a Cancel request would wait in the queue behind the rest of
  them. The thread pool starts a thread only when none is idle, so the threads are as
  many as the requests the engine has in flight at once (its `--parallel`).

Where either cannot be done, `listen_here` says so on the engine's output: the pool
then only stops on the engine's termination (a second Ctrl-C).
"""

import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import thread as futures_thread
from types import ModuleType
from typing import Any

from pulumi.runtime.proto import ResourceProviderServicer

CANCELLED = threading.Event()
# The name under which the server module's globals hold CANCELLED for `_heard`.
GLOBAL = "_gpu_fleet_engine_cancelled"
SERVICER = "DynamicResourceProviderServicer"
# What the SDK's Cancel handler looks up: `return empty_pb2.Empty()`.
NO_OP_NAMES = ("empty_pb2", "Empty")
# The server's worker limit once lifted: far above any engine parallelism that a
# machine running the lab sustains; threads exist only for requests in flight.
ROOM = 4096
NOT_HEARD = (
    "gpu-fleet: this dynamic-provider server's Cancel cannot be heard ({why}); a first "
    "Ctrl-C will not stop the pools' writes, a second one (which ends the engine) will."
)


def _heard(self: Any, request: Any, context: Any) -> Any:
    """The Cancel handler's new body; its names are the server module's globals."""
    _gpu_fleet_engine_cancelled.set()  # type: ignore[name-defined]  # noqa: F821
    return empty_pb2.Empty()  # type: ignore[name-defined]  # noqa: F821


def listen_here() -> bool:
    """`listen` to the server running this process (`python -m pulumi.dynamic`) and
    `make_room` in the thread pool running this request: for a dynamic provider's
    `configure`, which runs once in that process, in a request, before any operation.
    Says on stderr (the engine's output) what it could not do."""
    problems = []
    if not listen(sys.modules.get("__main__")):
        problems.append("its Cancel handler is not the SDK's no-op")
    if not make_room(threading.current_thread()):
        problems.append("its requests are not served by a thread pool this can widen")
    if problems:
        print(NOT_HEARD.format(why="; ".join(problems)), file=sys.stderr, flush=True)
    return not problems


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


def make_room(worker: threading.Thread) -> bool:
    """Lift the worker limit of the thread pool that `worker` (a thread of a
    `ThreadPoolExecutor`) serves, so that a request never waits for a free worker;
    whether it did."""
    executor = pool_of(worker)
    if executor is None:
        return False
    limit = getattr(executor, "_max_workers", None)
    if not isinstance(limit, int):
        return False
    executor._max_workers = max(limit, ROOM)
    return True


def pool_of(worker: threading.Thread) -> ThreadPoolExecutor | None:
    """The ThreadPoolExecutor whose worker thread `worker` is (it runs the executor's
    worker loop with a weak reference to it), or None."""
    if getattr(worker, "_target", None) is not futures_thread._worker:
        return None
    arguments = getattr(worker, "_args", ())
    reference = arguments[0] if arguments else None
    executor = reference() if isinstance(reference, weakref.ref) else None
    return executor if isinstance(executor, ThreadPoolExecutor) else None
