"""Where the API server's time went: its own request and flow-control counters, read once
from `/metrics` at the end of a run (counted since the control plane started)."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class RequestLoad:
    """Requests of one verb on one resource (and subresource)."""

    verb: str
    resource: str
    requests: float
    latency_s: float


@dataclass(frozen=True)
class ApiServerLoad:
    requests: list[RequestLoad]  # most requests first
    # Seconds requests waited in API Priority and Fairness queues, per priority level.
    queue_wait_s: dict[str, float]


def _resource(labels: dict[str, str]) -> str:
    sub = labels.get("subresource", "")
    return f"{labels.get('resource', '')}/{sub}" if sub else labels.get("resource", "")


def parse(text: str) -> ApiServerLoad:
    counts: dict[tuple[str, str], float] = defaultdict(float)
    latency: dict[tuple[str, str], float] = defaultdict(float)
    waits: dict[str, float] = defaultdict(float)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            key = (labels.get("verb", ""), _resource(labels))
            if sample.name == "apiserver_request_total":
                counts[key] += sample.value
            elif sample.name == "apiserver_request_duration_seconds_sum":
                latency[key] += sample.value
            elif sample.name == "apiserver_flowcontrol_request_wait_duration_seconds_sum":
                waits[labels.get("priority_level", "")] += sample.value
    requests = [
        RequestLoad(verb, resource, n, latency[(verb, resource)])
        for (verb, resource), n in counts.items()
    ]
    requests.sort(key=lambda load: load.requests, reverse=True)
    return ApiServerLoad(requests, dict(waits))


def read(api: Any) -> ApiServerLoad:
    """The API server's counters, through the benchmark's client (its admin credentials)."""
    response = api.call_api("GET", f"{api.configuration.host}/metrics", _request_timeout=60)
    response.read()
    return parse(response.data.decode())
