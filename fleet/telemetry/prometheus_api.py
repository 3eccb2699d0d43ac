"""Instant queries against a Prometheus server's HTTP API (GET /api/v1/query), bounded.

Every failure is a `PrometheusError` that names the server and says what went wrong:
unreachable, not a Prometheus (no JSON, or not its answer's shape), a query it
refused, or an answer larger than the caller allows.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT_SECONDS = 10.0
MAX_ANSWER_BYTES = 64 * 1024 * 1024


class PrometheusError(Exception):
    """A query that got no usable answer; `str()` names the server and the cause."""


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


def _problem(url: str, what: str) -> PrometheusError:
    return PrometheusError(f"Prometheus at {url}: {what}")


def query(url: str, promql: str, timeout: float = TIMEOUT_SECONDS) -> list[Sample]:
    """The instant vector (or scalar, as one sample without labels) `promql` gives now."""
    base = url.rstrip("/")
    if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
        raise _problem(base, "not an http:// or https:// URL (such as http://127.0.0.1:9090)")
    address = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
    try:
        # The scheme is checked above: http or https only.
        with urllib.request.urlopen(address, timeout=timeout) as answer:  # noqa: S310
            body = answer.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        body = error.read(MAX_ANSWER_BYTES + 1)
        refused = _error_text(body)
        if refused is None:
            raise _problem(base, f"HTTP {error.code} for query {promql!r}") from None
        raise _problem(base, f"refused query {promql!r}: {refused}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise _problem(
            base, f"unreachable ({reason}); is the server running, and is the URL right?"
        ) from None
    if len(body) > MAX_ANSWER_BYTES:
        raise _problem(base, f"the answer to {promql!r} is over {MAX_ANSWER_BYTES:,} bytes")
    return _samples(base, promql, body)


def _error_text(body: bytes) -> str | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if isinstance(document, dict) and document.get("status") == "error":
        return str(document.get("error", "no reason given"))
    return None


def _samples(base: str, promql: str, body: bytes) -> list[Sample]:
    try:
        document: Any = json.loads(body)
        data = document["data"]
        kind, result = data["resultType"], data["result"]
        if kind == "scalar":
            return [Sample({}, float(result[1]))]
        if kind != "vector":
            raise _problem(base, f"{promql!r} gave a {kind}, not an instant vector")
        return [Sample(dict(item["metric"]), float(item["value"][1])) for item in result]
    except (ValueError, KeyError, TypeError, IndexError):
        raise _problem(base, f"the answer to {promql!r} is not a Prometheus API answer") from None
