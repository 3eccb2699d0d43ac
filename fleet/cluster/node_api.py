"""The Node requests a pool-level resource makes, over a kubeconfig's cluster.

Every write is a server-side apply (PATCH `application/apply-patch+yaml`) under one
field manager, for a new node as for an existing one: a field the manifest stops
carrying is then removed from the node (a node first made by a plain create would
keep it, owned by the create's own entry: kubernetes/kubernetes#99003). The apply of
a new node creates it with its status (the API server keeps status given on create,
but owned by no field manager: status is reset on the main resource); status is then
applied through the status subresource by the same manager, on a new node as on an
existing one, so that the manager owns it and a status field it stops sending is
removed. KWOK and the operator own the status fields the program does not send, and
are never overwritten.

A write never lands on a node the caller did not mean: a new node is created by an
apply that only creates (it carries a resourceVersion no object has, so the API server
refuses it when the node exists, in the same transaction as the write), and writes to
an existing node carry the uid listed (refused if the node was replaced meanwhile).

Each request has a timeout; 429, 5xx answers and broken connections are retried a
bounded number of times with exponential backoff (honouring `Retry-After`); a run of
failed requests in a row, a deadline or a cancel stops the whole batch, and the error
says how much was done.
"""

import email.utils
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

FIELD_MANAGER = "gpu-fleet"
APPLY_PATCH = "application/apply-patch+yaml"
NODES = "/api/v1/nodes"
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
METADATA = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
# Requests in flight at once: enough to keep a local API server busy, few enough
# not to starve it on a 2-core machine.
WORKERS = 8
LIST_PAGE = 500
RETRIED = frozenset({429, 500, 502, 503, 504})
# A resourceVersion no stored object has (etcd's first revision: every write of a key
# gets a later one). An apply carrying it only creates: the API server ignores it when
# it creates the node, and answers 409 Conflict when the node exists, even one made an
# instant before (the check and the write are one transaction).
CREATE_ONLY_VERSION = "1"


class NodeApiError(RuntimeError):
    """The API server refused a request; the message names the node and the answer."""


class Unreachable(NodeApiError):
    """No answer at all (connection refused, reset, timed out), after every retry."""


class Exists(NodeApiError):
    """A create found the node there: made by someone else since the list, or by this
    very create, whose answer was lost and which was sent again."""


class Replaced(NodeApiError):
    """An apply meant for the node listed (its uid) found it gone, or another in its place."""


class Stopped(NodeApiError):
    """A batch stopped early: too many failures in a row, the deadline, or a cancel.
    `done` of `total` items were finished."""

    def __init__(self, reason: str, done: int, total: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.done = done
        self.total = total


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


# (method, path, query, headers, body, timeout seconds) -> answer; raises TransportError.
Transport = Callable[[str, str, list[tuple[str, str]], dict[str, str], Any | None, float], Answer]


class TransportError(Exception):
    """The request got no HTTP answer (refused, reset, timed out)."""


@dataclass(frozen=True)
class Limits:
    """How patient the requests are. Defaults suit a local or nearby API server."""

    request_timeout: float = 15.0
    attempts: int = 5
    first_backoff: float = 0.25
    max_backoff: float = 8.0
    # A Retry-After longer than this is waited only this long.
    max_retry_after: float = 30.0
    # Failed attempts in a row (across all workers) that stop a batch.
    failures_in_a_row: int = 8


@dataclass
class Control:
    """Shared by every request of one operation: its deadline, cancel, and brake."""

    limits: Limits = field(default_factory=Limits)
    deadline: float | None = None  # time.monotonic() value
    cancelled: Callable[[], bool] = lambda: False
    sleep: Callable[[float], None] = time.sleep
    _failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    stop_reason: str | None = None

    def check(self) -> None:
        if self.stop_reason is None and self.cancelled():
            self.stop_reason = "cancelled"
        late = self.deadline is not None and time.monotonic() > self.deadline
        if self.stop_reason is None and late:
            self.stop_reason = "the operation's timeout passed"
        if self.stop_reason is not None:
            raise Stopped(self.stop_reason, 0, 0)

    def failed(self, what: str) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.limits.failures_in_a_row and self.stop_reason is None:
                self.stop_reason = f"{self._failures} failed requests in a row (the last: {what})"

    def succeeded(self) -> None:
        with self._lock:
            self._failures = 0

    def wait(self, seconds: float) -> None:
        if self.deadline is not None:
            seconds = min(seconds, max(0.0, self.deadline - time.monotonic()))
        self.sleep(seconds)


@dataclass(frozen=True)
class NodeMeta:
    name: str
    uid: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    # Whether FIELD_MANAGER has applied the node's status (through the subresource).
    status_applied: bool = False


class NodeApi(Protocol):
    def create(self, manifest: dict[str, Any]) -> str: ...
    def apply(self, manifest: dict[str, Any], uid: str = "") -> None: ...
    def apply_status(self, manifest: dict[str, Any], uid: str = "") -> None: ...
    def delete(self, node: NodeMeta) -> None: ...
    def node(self, name: str) -> NodeMeta | None: ...
    def nodes(self, label_selector: str = "") -> dict[str, NodeMeta]: ...
    def server(self) -> str: ...


def control_of(api: NodeApi) -> Control:
    """The Control an api's requests run under (the defaults for one that has none)."""
    control = getattr(api, "control", None)
    return control if isinstance(control, Control) else Control()


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a `Retry-After` header asks for (a number or an HTTP date), if any."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value.strip() else None
        return max(0.0, when.timestamp() - time.time()) if when else None


@dataclass
class KubeNodeApi:
    """Node requests over a transport (the kubernetes client's, or a fake in tests)."""

    send: Transport
    control: Control = field(default_factory=Control)
    address: str = ""

    def server(self) -> str:
        return self.address

    def request(
        self,
        what: str,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        body: Any | None = None,
    ) -> Answer:
        """One request, retried on 429, 5xx and no answer; the last answer otherwise."""
        limits = self.control.limits
        backoff = limits.first_backoff
        for attempt in range(1, limits.attempts + 1):
            self.control.check()
            try:
                answer = self.send(method, path, query, headers, body, limits.request_timeout)
            except TransportError as error:
                self.control.failed(f"{what}: {error}")
                if attempt == limits.attempts:
                    raise Unreachable(
                        f"{what}: no answer after {attempt} attempts: {error}"
                    ) from None
                self.control.wait(backoff * random.uniform(0.5, 1.0))  # noqa: S311 - jitter
            else:
                if answer.status not in RETRIED:
                    self.control.succeeded()
                    return answer
                self.control.failed(f"{what}: HTTP {answer.status}")
                if attempt == limits.attempts:
                    return answer
                asked = retry_after(answer.headers)
                pause = backoff * random.uniform(0.5, 1.0)  # noqa: S311 - jitter
                self.control.wait(min(asked, limits.max_retry_after) if asked else pause)
            backoff = min(backoff * 2, limits.max_backoff)
        raise AssertionError("unreachable")  # pragma: no cover

    def create(self, manifest: dict[str, Any]) -> str:
        """Server-side apply of a new node that never writes to an existing one (raises
        Exists); the new node's uid."""
        metadata = {**manifest["metadata"], "resourceVersion": CREATE_ONLY_VERSION}
        name = metadata["name"]
        answer = self._send({**manifest, "metadata": metadata}, f"{NODES}/{name}", "create")
        if answer.status == 409:
            raise Exists(f"create of node {name}: it exists ({_refusal(answer)})")
        _accept(answer, f"create of node {name}")
        return str((json.loads(answer.body).get("metadata") or {}).get("uid", ""))

    def apply(self, manifest: dict[str, Any], uid: str = "") -> None:
        """Server-side apply of the whole node (the API server ignores status here);
        with `uid`, only to that node."""
        self._apply(manifest, uid, f"{NODES}/{manifest['metadata']['name']}", "apply")

    def apply_status(self, manifest: dict[str, Any], uid: str = "") -> None:
        """Server-side apply of the node's status through the status subresource; with
        `uid`, only to that node."""
        status_only = {
            "apiVersion": manifest["apiVersion"],
            "kind": manifest["kind"],
            "metadata": {"name": manifest["metadata"]["name"]},
            "status": manifest["status"],
        }
        path = f"{NODES}/{manifest['metadata']['name']}/status"
        self._apply(status_only, uid, path, "status apply")

    def _apply(self, body: dict[str, Any], uid: str, path: str, what: str) -> None:
        name = body["metadata"]["name"]
        if uid:
            body = {**body, "metadata": {**body["metadata"], "uid": uid}}
        answer = self._send(body, path, what)
        if uid and answer.status in (409, 422) and b"uid" in answer.body:
            raise Replaced(
                f"{what} of node {name}: it is no longer the node listed (uid {uid}): "
                f"{_refusal(answer)}"
            )
        _accept(answer, f"{what} of node {name}")

    def _send(self, body: dict[str, Any], path: str, what: str) -> Answer:
        query = [("fieldManager", FIELD_MANAGER), ("force", "true")]
        headers = {"Content-Type": APPLY_PATCH, "Accept": "application/json"}
        what = f"{what} of node {body['metadata']['name']}"
        return self.request(what, "PATCH", path, query, headers, body)

    def node(self, name: str) -> NodeMeta | None:
        """One node's metadata; None if there is no such node."""
        what = f"read of node {name}"
        answer = self.request(what, "GET", f"{NODES}/{name}", [], {"Accept": METADATA})
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise NodeApiError(f"{what}: {_refusal(answer)}")
        return _meta(json.loads(answer.body).get("metadata") or {})

    def delete(self, node: NodeMeta) -> None:
        """Delete a node if it is still the one listed (same uid); one already gone is fine."""
        options = {"apiVersion": "v1", "kind": "DeleteOptions"}
        body = {**options, "preconditions": {"uid": node.uid}} if node.uid else options
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        what = f"delete of node {node.name}"
        answer = self.request(what, "DELETE", f"{NODES}/{node.name}", [], headers, body)
        if answer.status not in (200, 202, 404):
            raise NodeApiError(f"{what}: {_refusal(answer)}")

    def nodes(self, label_selector: str = "") -> dict[str, NodeMeta]:
        """The metadata of the nodes a label selector matches (all: ""), page by page."""
        found: dict[str, NodeMeta] = {}
        token = ""
        headers = {"Accept": METADATA_LIST}
        what = f"list of nodes {label_selector or '(all)'}"
        while True:
            query = [("limit", str(LIST_PAGE))]
            query += [("labelSelector", label_selector)] if label_selector else []
            query += [("continue", token)] if token else []
            answer = self.request(what, "GET", NODES, query, headers)
            if answer.status != 200:
                raise NodeApiError(f"{what}: {_refusal(answer)}")
            page = json.loads(answer.body)
            for item in page.get("items") or []:
                meta = _meta(item.get("metadata") or {})
                found[meta.name] = meta
            token = (page.get("metadata") or {}).get("continue", "")
            if not token:
                return found


def _meta(metadata: Mapping[str, Any]) -> NodeMeta:
    return NodeMeta(
        str(metadata.get("name", "")),
        str(metadata.get("uid", "")),
        dict(metadata.get("labels") or {}),
        dict(metadata.get("annotations") or {}),
        any(
            entry.get("manager") == FIELD_MANAGER
            and entry.get("operation") == "Apply"
            and entry.get("subresource") == "status"
            for entry in metadata.get("managedFields") or []
        ),
    )


def _accept(answer: Answer, what: str) -> None:
    if answer.status not in (200, 201):
        raise NodeApiError(f"{what}: {_refusal(answer)}")


def _refusal(answer: Answer) -> str:
    try:
        reason = str(json.loads(answer.body).get("message", answer.body[:200]))
    except (ValueError, AttributeError):
        reason = answer.body[:200].decode(errors="replace")
    return f"HTTP {answer.status}: {reason}"


def each(
    call: Callable[[Any], None],
    items: Iterable[Any],
    control: Control,
    what: str,
    progress: Callable[[], None] = lambda: None,
) -> int:
    """Run `call` on every item, WORKERS at a time (`progress` after each that
    succeeds); return how many succeeded.

    Once the control stops (failures in a row, deadline, cancel), the items not
    started are skipped. Raises Stopped, or NodeApiError with every refusal, saying
    how many of how many were done."""
    todo = list(items)
    done = 0
    errors: list[str] = []
    lock = threading.Lock()

    def one(item: Any) -> None:
        nonlocal done
        try:
            control.check()
            call(item)
        except Stopped:
            return
        except NodeApiError as error:
            with lock:
                errors.append(str(error))
            return
        with lock:
            done += 1
            progress()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(one, todo))
    if control.stop_reason is not None:
        detail = f"; the first refusal: {errors[0]}" if errors else ""
        raise Stopped(f"{control.stop_reason}{detail}", done, len(todo))
    if errors:
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise Stopped(
            f"{len(errors)} node {what}(s) refused: {'; '.join(errors[:3])}{more}",
            done,
            len(todo),
        )
    return done


def connect(kubeconfig: str | None, context: str | None, control: Control) -> KubeNodeApi:
    """A NodeApi for a kubeconfig given as its text, as a file path, or None for the
    default ($KUBECONFIG, else ~/.kube/config), at `context` (None: its current one)."""
    configuration = client.Configuration()
    configuration.connection_pool_maxsize = WORKERS
    configuration.retries = False
    try:
        if kubeconfig is not None and "\n" in kubeconfig:
            config.load_kube_config_from_dict(  # type: ignore[no-untyped-call]
                yaml.safe_load(kubeconfig), context=context, client_configuration=configuration
            )
        else:
            config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=kubeconfig, context=context, client_configuration=configuration
            )
    except (OSError, ValueError, yaml.YAMLError, config.ConfigException) as error:
        # As the kubernetes provider does: a kubeconfig that no longer leads anywhere
        # (its file or context gone with the cluster) is an unreachable cluster.
        where = kubeconfig if kubeconfig and "\n" not in kubeconfig else "the kubeconfig"
        raise Unreachable(f"cannot use {where} (context {context or 'current'}): {error}") from None
    api_client = client.ApiClient(configuration)

    def send(
        method: str,
        path: str,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        body: Any | None,
        timeout: float,
    ) -> Answer:
        _, url, all_headers, serialized, _ = api_client.param_serialize(
            method,
            path,
            query_params=query,
            header_params=dict(headers),
            body=body,
            auth_settings=["BearerToken"],
        )
        try:
            response = api_client.call_api(
                method, url, header_params=all_headers, body=serialized, _request_timeout=timeout
            )
            data: bytes = response.read()  # type: ignore[no-untyped-call]
        except (HTTPError, ApiException) as error:  # ApiException: a TLS failure
            raise TransportError(f"{type(error).__name__}: {error}") from error
        return Answer(response.status, dict(response.headers), data)

    return KubeNodeApi(send, control, str(configuration.host))
