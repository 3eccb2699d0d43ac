"""Instant queries: answers read as samples; every failure names the server and the cause.
The servers here are stand-ins on loopback that answer fixed bodies: what a real
Prometheus answers is checked in the e2e tier (tests/e2e/test_telemetry.py)."""

import json
import re
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from fleet.cli import main
from fleet.telemetry.prometheus_api import PrometheusError, Sample, query
from fleet.telemetry.scrape import relabelling
from fleet.telemetry.snapshot import read_telemetry
from tests.paths import ROOT


class Canned(BaseHTTPRequestHandler):
    status: ClassVar[int] = 200
    body: ClassVar[bytes] = b""
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Canned.asked.append(self.path)
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def answer(status: int, document: object) -> None:
    Canned.status, Canned.body = status, json.dumps(document).encode()


def test_a_vector_is_read_as_samples(server: str) -> None:
    answer(
        200,
        {
            "status": "success",
            "data": {
                "resultType": "vector",
                "result": [{"metric": {"pool": "a100"}, "value": [1.0, "16"]}],
            },
        },
    )
    assert query(server, "count by (pool) (x)") == [Sample({"pool": "a100"}, 16.0)]
    assert "query=count+by+%28pool%29+%28x%29" in Canned.asked[-1]


def test_a_refused_query_says_why(server: str) -> None:
    answer(400, {"status": "error", "errorType": "bad_data", "error": "parse error at char 3"})
    with pytest.raises(PrometheusError, match=rf"Prometheus at {server}: refused query 'up\(': "):
        query(server, "up(")


def test_a_server_that_is_not_prometheus_is_named(server: str) -> None:
    answer(200, {"hello": "world"})
    with pytest.raises(PrometheusError, match=f"Prometheus at {server}: the answer to 'up' is not"):
        query(server, "up")


def test_an_unreachable_server_is_named() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the probe is closed.
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(PrometheusError, match=re.escape(f"Prometheus at {url}: unreachable")):
        query(url, "up", timeout=2)


def test_only_http_urls_are_asked() -> None:
    with pytest.raises(PrometheusError, match="not an http:// or https:// URL"):
        query("file:///etc/passwd", "up")


@pytest.mark.parametrize(
    ("node", "pool"),
    [("kwok-gpu-a100-0", "a100"), ("kwok-gpu-a-1-10", "a-1"), ("kwok-gpu-l4-7", "l4")],
)
def test_the_pool_relabelling_reads_the_pool_off_the_node_name(node: str, pool: str) -> None:
    rule = relabelling()[1]
    # Prometheus anchors relabel regexes at both ends.
    match = re.fullmatch(rule["regex"], node)
    assert match is not None
    assert rule["replacement"].replace("$1", match.group(1)) == pool


def test_evidence_with_an_unreachable_prometheus_names_it_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    out = tmp_path / "evidence"
    stack = ROOT / "stacks" / "Pulumi.lesson1.yaml"
    code = main(["evidence", "--stack", str(stack), "--out", str(out), "--prometheus", url])
    err = capsys.readouterr().err
    assert code == 2
    assert f"Prometheus at {url}: unreachable" in err
    assert "no evidence written" in err
    assert "Traceback" not in err
    assert not out.exists()


class ByQuery(BaseHTTPRequestHandler):
    """Answers each query by the first key of `answers` found in it (empty vector else)."""

    answers: ClassVar[dict[str, list[dict[str, object]]]] = {}

    def do_GET(self) -> None:
        asked = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["query"][0]
        result = next((v for k, v in self.answers.items() if asked.startswith(k)), [])
        body = {"status": "success", "data": {"resultType": "vector", "result": result}}
        self.send_response(200)
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


def _vector(*samples: tuple[dict[str, str], float]) -> list[dict[str, object]]:
    return [{"metric": labels, "value": [0, str(value)]} for labels, value in samples]


def test_the_snapshot_keeps_a_pods_readings_apart_from_its_gpus_free_series() -> None:
    gpu = {"UUID": "GPU-1", "Hostname": "kwok-gpu-a100-0", "gpu": "0", "pool": "a100"}
    held = {**gpu, "pod": "train", "namespace": "gpu-demo", "modelName": "A100"}
    ByQuery.answers = {
        "up{": _vector(({}, 1)),
        "gpu_fleet:gpu_util:live": _vector((held, 70)),
        "min_over_time(": _vector((held, 61)),
        "max_over_time(": _vector((held, 89)),
        "count by (pool)": _vector(({"pool": "a100"}, 2)),
        'sum by (pool) (sum_over_time((gpu_fleet:gpu_util:live{pod!=""} >=': _vector(
            ({"pool": "a100"}, 0.5)
        ),
        'sum by (pool) (sum_over_time((gpu_fleet:gpu_util:live{pod!=""} /': _vector(
            ({"pool": "a100"}, 0.25)
        ),
        "ALERTS": _vector(
            ({"alertname": "GpuPoolNearlyFull", "alertstate": "firing", "pool": "a100"}, 1)
        ),
    }
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ByQuery)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        telemetry = read_telemetry(url, datetime(2026, 12, 7, tzinfo=UTC), 10)
    finally:
        httpd.shutdown()
        httpd.server_close()
    (series,) = telemetry.gpus
    assert (series.pod, series.lowest, series.highest, series.utilization) == ("train", 61, 89, 70)
    (pool,) = telemetry.pools
    assert (pool.raw_series, pool.allocated_gpu_hours, pool.used_gpu_hours) == (2, 0.5, 0.25)
    assert telemetry.target_up == [1.0]
    assert [(a.name, a.state, a.labels) for a in telemetry.alerts] == [
        ("GpuPoolNearlyFull", "firing", {"pool": "a100"})
    ]
