"""A proxy on loopback in front of a control plane's API server that breaks chosen requests.

It serves plain HTTP on 127.0.0.1 (a kubeconfig pointing at it needs no credentials)
and forwards every request to the API server over TLS with the cluster kubeconfig's
client certificate. Node writes (PATCH and DELETE under /api/v1/nodes) are counted
from 1; a fault planned for write number N replaces it:

- `500`: an Internal Server Error, as an overloaded API server answers;
- `429`: Too Many Requests with `Retry-After: 1`;
- `hang`: no answer for `hang_seconds`, then the connection is closed;
- `reset`: the connection is reset (TCP RST) without an answer.

`outage_from` answers every node write from that number on with 500, until `heal()`.
`meanwhile`, if set, is called with every request's method and path before it is
forwarded (what another client does just then).
"""

import http.client
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"}


@dataclass
class Plan:
    faults: dict[int, str] = field(default_factory=dict)
    outage_from: int | None = None
    hang_seconds: float = 6.0
    meanwhile: Callable[[str, str], None] | None = None
    writes: int = 0
    injected: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self, method: str, path: str) -> str | None:
        if method not in ("PATCH", "DELETE") or not path.startswith("/api/v1/nodes"):
            return None
        with self.lock:
            self.writes += 1
            number = self.writes
            fault = self.faults.get(number)
            if fault is None and self.outage_from is not None and number >= self.outage_from:
                fault = "500"
            if fault is not None:
                self.injected.append((number, fault))
            return fault

    def heal(self) -> None:
        with self.lock:
            self.faults.clear()
            self.outage_from = None


@dataclass(frozen=True)
class Upstream:
    host: str
    port: int
    context: ssl.SSLContext

    def connection(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=60)


def upstream_of(kubeconfig: Path) -> Upstream:
    """The API server and client certificate of a kwokctl kubeconfig (its current context)."""
    document = yaml.safe_load(kubeconfig.read_text())
    context = next(
        c["context"] for c in document["contexts"] if c["name"] == document["current-context"]
    )
    cluster = next(c["cluster"] for c in document["clusters"] if c["name"] == context["cluster"])
    user = next(u["user"] for u in document["users"] if u["name"] == context["user"])
    tls = ssl.create_default_context()
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE  # kwokctl's kubeconfig says insecure-skip-tls-verify
    tls.load_cert_chain(user["client-certificate"], user["client-key"])
    server = urlsplit(cluster["server"])
    return Upstream(server.hostname or "127.0.0.1", server.port or 443, tls)


def _handler(upstream: Upstream, plan: Plan) -> type[BaseHTTPRequestHandler]:
    local = threading.local()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the scenario prints what it injected."""

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            fault = plan.next_fault(self.command, self.path)
            if fault == "reset":
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()
                return
            if fault == "hang":
                time.sleep(plan.hang_seconds)
                self.close_connection = True
                return
            if fault in ("500", "429"):
                status = int(fault)
                payload = json.dumps({"kind": "Status", "message": f"injected {fault}"}).encode()
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            if plan.meanwhile is not None:
                plan.meanwhile(self.command, self.path)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            answer = self._send_upstream(body, headers)
            data = answer.read()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send_upstream(
            self, body: bytes | None, headers: dict[str, str]
        ) -> http.client.HTTPResponse:
            for attempt in (1, 2):
                connection = getattr(local, "connection", None) or upstream.connection()
                local.connection = connection
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    return connection.getresponse()
                except (http.client.HTTPException, OSError):
                    connection.close()
                    local.connection = None
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    return Handler


@contextmanager
def fault_proxy(kubeconfig: Path, plan: Plan) -> Iterator[str]:
    """Serve the proxy on a free loopback port; yield its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(upstream_of(kubeconfig), plan))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def proxy_kubeconfig(url: str, target: Path) -> Path:
    """A kubeconfig whose one context, `fault-proxy`, talks to the proxy."""
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fault-proxy", "cluster": {"server": url}}],
        "users": [{"name": "fault-proxy", "user": {}}],
        "contexts": [
            {"name": "fault-proxy", "context": {"cluster": "fault-proxy", "user": "fault-proxy"}}
        ],
        "current-context": "fault-proxy",
    }
    target.write_text(yaml.safe_dump(document))
    return target
