"""An in-memory API server for Nodes that behaves like the real one where the pool
resource depends on it, answering the requests `fleet.cluster.node_api` sends.

- Server-side apply (PATCH `application/apply-patch+yaml`) creates a missing node with
  its status (the API server keeps status given on create) and records the fields each
  field manager applied; status is never owned through the main resource (a reset field).
- An apply to an existing node ignores `status`, as the real server does; status changes
  only through the status subresource (`/api/v1/nodes/<name>/status`).
- A field a manager applied before and leaves out now is removed, unless another
  manager owns it too (server-side apply's field ownership, kept to map keys; lists
  such as taints are atomic).
- Lists show each node's `managedFields` as the real server does: one entry per manager
  and subresource that owns a field (`Apply` for server-side applies, `Update` for other
  writers), none for status given on create.
- An apply may carry preconditions: a `resourceVersion` (409 Conflict unless it is the
  node's; ignored when the apply creates the node) or a `uid` (422 unless it is the
  node's; 409 when there is no node, which the apply then does not create).
- GET of one node answers its metadata.
- DELETE honours a uid precondition (409 when it does not match), 404 for a missing node.
- GET lists metadata, filtered by an equality label selector, in pages with `continue`.
- `faults` answers chosen requests (by their number, from 1) instead of serving them.
"""

import copy
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fleet.cluster.node_api import APPLY_PATCH, Answer, TransportError

Path = tuple[str, ...]
MAIN = "main"
STATUS = "status"
# What a fault does to a request: an answer, or raising TransportError (no answer).
Fault = Answer | TransportError


def _leaves(obj: Mapping[str, Any], prefix: Path = ()) -> dict[Path, Any]:
    """Every leaf of nested mappings; lists and scalars are leaves (empty maps none)."""
    found: dict[Path, Any] = {}
    for key, value in obj.items():
        if isinstance(value, Mapping):
            found.update(_leaves(value, (*prefix, key)))
        else:
            found[(*prefix, key)] = value
    return found


def _set(obj: dict[str, Any], path: Path, value: Any) -> None:
    for key in path[:-1]:
        obj = obj.setdefault(key, {})
    obj[path[-1]] = copy.deepcopy(value)


def _remove(obj: dict[str, Any], path: Path) -> None:
    parents = [obj]
    for key in path[:-1]:
        if key not in parents[-1]:
            return
        parents.append(parents[-1][key])
    parents[-1].pop(path[-1], None)


def _main_part(body: Mapping[str, Any]) -> dict[str, Any]:
    part = {k: v for k, v in body.items() if k not in ("apiVersion", "kind", "status")}
    metadata = {
        k: v for k, v in (part.get("metadata") or {}).items() if k not in ("name", *PRECONDITIONS)
    }
    return {**part, "metadata": metadata}


@dataclass
class FakeApiServer:
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (node, manager, MAIN or STATUS) -> the leaf paths that manager owns there
    owned: dict[tuple[str, str, str], set[Path]] = field(default_factory=dict)
    # (node, manager, MAIN or STATUS) -> "Apply" or "Update"
    operations: dict[tuple[str, str, str], str] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    faults: dict[int, Fault] = field(default_factory=dict)
    # Called with every request (method, path) before it is served; may raise or answer.
    before: Callable[[int, str, str], Fault | None] | None = None
    page_size: int | None = None
    # etcd's revision: every write gives the node written the next one (from 2).
    version: int = 1
    # The pool writes from several threads; the fake serves one request at a time.
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    # -- the transport ------------------------------------------------------------
    def __call__(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        body: Any | None,
        timeout: float,
    ) -> Answer:
        with self.lock:
            return self._serve(method, path, query, headers, body)

    def _serve(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        body: Any | None,
    ) -> Answer:
        self.requests.append((method, path))
        number = len(self.requests)
        fault = self.faults.get(number) or (
            self.before(number, method, path) if self.before else None
        )
        if isinstance(fault, TransportError):
            raise fault
        if isinstance(fault, Answer):
            return fault
        params = dict(query)
        parts = path.removeprefix("/api/v1/nodes").strip("/").split("/")
        name = parts[0] if parts[0] else None
        if method == "GET" and name is None:
            return self._list(params)
        if method == "GET" and name is not None:
            if name not in self.nodes:
                return _answer(404, {"message": f'nodes "{name}" not found'})
            return _answer(200, {"metadata": self.metadata(name)})
        if method == "PATCH" and name is not None and isinstance(body, dict):
            assert headers.get("Content-Type") == APPLY_PATCH, headers
            manager = params["fieldManager"]
            if len(parts) == 2 and parts[1] == "status":
                return self._apply_status(name, manager, body)
            return self._apply(name, manager, body)
        if method == "DELETE" and name is not None:
            return self._delete(name, body)
        return _answer(405, {"message": f"{method} {path} not served by the fake"})

    # -- what the server does -------------------------------------------------------
    def _apply(self, name: str, manager: str, body: dict[str, Any]) -> Answer:
        applied = _leaves(_main_part(body))
        node = self.nodes.get(name)
        if node is None:
            if body["metadata"].get("uid"):
                return _conflict(name, _UID_MISSING.format(uid=body["metadata"]["uid"]))
            node = copy.deepcopy(body)
            for key in PRECONDITIONS:
                node["metadata"].pop(key, None)
            node["metadata"]["uid"] = str(uuid.uuid4())
            self.nodes[name] = node
            self._bump(name)
            self.owned[(name, manager, MAIN)] = set(applied)
            self.operations[(name, manager, MAIN)] = "Apply"
            return _answer(201, node)
        refused = self._preconditions(name, body)
        if refused is not None:
            return refused
        self._write(name, manager, MAIN, applied)
        return _answer(200, node)

    def _apply_status(self, name: str, manager: str, body: dict[str, Any]) -> Answer:
        if name not in self.nodes:
            return _answer(404, {"message": f'nodes "{name}" not found'})
        refused = self._preconditions(name, body)
        if refused is not None:
            return refused
        applied = _leaves({"status": body.get("status") or {}})
        self._write(name, manager, STATUS, applied)
        return _answer(200, self.nodes[name])

    def _preconditions(self, name: str, body: Mapping[str, Any]) -> Answer | None:
        """A resourceVersion or uid in an apply to an existing node must be the node's."""
        metadata = self.nodes[name]["metadata"]
        version = body["metadata"].get("resourceVersion")
        if version and version != metadata["resourceVersion"]:
            return _conflict(name, _MODIFIED)
        uid = body["metadata"].get("uid")
        if uid and uid != metadata["uid"]:
            message = f'Node "{name}" is invalid: metadata.uid: Invalid value: "{uid}": '
            return _answer(422, {"message": message + "field is immutable"})
        return None

    def _bump(self, name: str) -> None:
        self.version += 1
        self.nodes[name]["metadata"]["resourceVersion"] = str(self.version)

    def _write(self, name: str, manager: str, part: str, applied: dict[Path, Any]) -> None:
        node = self.nodes[name]
        before = self.owned.get((name, manager, part), set())
        others = set().union(
            *(paths for (n, m, _), paths in self.owned.items() if n == name and m != manager)
        )
        for path in before - set(applied) - others:
            _remove(node, path)
        for path, value in applied.items():
            _set(node, path, value)
        for key, paths in self.owned.items():
            if key[0] == name and key[1] != manager:
                paths -= set(applied)  # forced: the applier takes the fields over
        self.owned[(name, manager, part)] = set(applied)
        self.operations[(name, manager, part)] = "Apply"
        self._bump(name)

    def _delete(self, name: str, body: Mapping[str, Any] | None) -> Answer:
        node = self.nodes.get(name)
        if node is None:
            return _answer(404, {"message": f'nodes "{name}" not found'})
        wanted_uid = ((body or {}).get("preconditions") or {}).get("uid")
        if wanted_uid and wanted_uid != node["metadata"]["uid"]:
            return _answer(409, {"message": "Precondition failed: UID in precondition"})
        del self.nodes[name]
        for key in [key for key in self.owned if key[0] == name]:
            del self.owned[key]
            self.operations.pop(key, None)
        return _answer(200, {"status": "Success"})

    def _list(self, params: Mapping[str, str]) -> Answer:
        selector = params.get("labelSelector", "")
        terms = [term.split("=", 1) for term in selector.split(",") if term]
        names = sorted(
            name
            for name, node in self.nodes.items()
            if all(node["metadata"].get("labels", {}).get(k) == v for k, v in terms)
        )
        start = int(params.get("continue") or 0)
        size = self.page_size or int(params.get("limit") or len(names) or 1)
        page = names[start : start + size]
        token = str(start + size) if start + size < len(names) else ""
        items = [{"metadata": self.metadata(name)} for name in page]
        return _answer(200, {"items": items, "metadata": {"continue": token}})

    def metadata(self, name: str) -> dict[str, Any]:
        """The node's metadata with its managedFields."""
        entries = [
            {
                "manager": manager,
                "operation": self.operations.get((node, manager, part), "Update"),
                "apiVersion": "v1",
                "fieldsType": "FieldsV1",
                "fieldsV1": _fields_v1(paths),
                **({"subresource": "status"} if part == STATUS else {}),
            }
            for (node, manager, part), paths in self.owned.items()
            if node == name and paths
        ]
        return {**self.nodes[name]["metadata"], "managedFields": entries}

    # -- what others do ---------------------------------------------------------------
    def update_status_as(self, manager: str, name: str, status: Mapping[str, Any]) -> None:
        """Another writer (KWOK, the operator) sets status fields it then co-owns."""
        applied = _leaves({"status": status})
        node = self.nodes[name]
        for path, value in applied.items():
            _set(node, path, value)
        self.owned.setdefault((name, manager, STATUS), set()).update(applied)
        self._bump(name)

    def put(self, node: dict[str, Any], manager: str = "someone") -> None:
        """A node made outside the pool (by hand, or by another stack)."""
        self._apply(node["metadata"]["name"], manager, copy.deepcopy(node))


def _fields_v1(paths: set[Path]) -> dict[str, Any]:
    """The owned paths in the API server's FieldsV1 form (`{"f:status": {"f:x": {}}}`)."""
    tree: dict[str, Any] = {}
    for path in paths:
        level = tree
        for key in path:
            level = level.setdefault(f"f:{key}", {})
    return tree


# Metadata an apply may carry as a precondition; never stored from it, never owned.
PRECONDITIONS = ("uid", "resourceVersion")
_MODIFIED = (
    "the object has been modified; please apply your changes to the latest version and try again"
)
_UID_MISSING = (
    "uid mismatch: the provided object specified uid {uid}, and no existing object was found"
)


def _conflict(name: str, why: str) -> Answer:
    message = f'Operation cannot be fulfilled on nodes "{name}": {why}'
    return _answer(409, {"message": message, "reason": "Conflict"})


def _answer(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Answer:
    return Answer(status, dict(headers or {}), json.dumps(body).encode())


def answer(status: int, message: str = "", retry_after: str | None = None) -> Answer:
    """A scripted answer, e.g. `answer(429, retry_after="2")`."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return _answer(status, {"message": message or f"HTTP {status}"}, headers)
