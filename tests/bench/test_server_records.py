"""The benchmark's readings of the API server's own records: GPU advertisement times from
managed fields and ResourceSlices, and request counts from `/metrics`."""

from datetime import UTC, datetime
from typing import Any

import pytest

from benchmarks import fleet_scale
from benchmarks.apiserver_load import parse
from benchmarks.fleet_scale import pod_rows
from benchmarks.server_times import PodMoments, advertised, gpu_writer_time, pod_moments


def node(name: str, created: str, gpu_written: str | None = None) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {
            "manager": "gpu-fleet",
            "operation": "Apply",
            "time": created,
            "fieldsV1": {"f:status": {"f:allocatable": {"f:cpu": {}}}},
        }
    ]
    if gpu_written is not None:
        fields.append(
            {
                "manager": "kwok-gpu-device-plugin",
                "operation": "Update",
                "subresource": "status",
                "time": gpu_written,
                "fieldsV1": {"f:status": {"f:allocatable": {"f:nvidia.com/gpu": {}}}},
            }
        )
    return {
        "metadata": {
            "name": name,
            "creationTimestamp": created,
            "annotations": {"kwok.x-k8s.io/node": "fake"},
            "managedFields": fields,
        }
    }


def test_the_gpu_time_is_that_of_the_entry_owning_the_gpu_count() -> None:
    written = gpu_writer_time(node("a", "2026-11-30T10:00:00Z", "2026-11-30T10:04:29Z"))
    assert written is not None
    assert written.isoformat() == "2026-11-30T10:04:29+00:00"
    assert gpu_writer_time(node("b", "2026-11-30T10:00:00Z")) is None


def test_device_plugin_span_runs_from_the_first_creation_to_the_last_advertisement() -> None:
    nodes = [
        node("a", "2026-11-30T10:00:00Z", "2026-11-30T10:00:30Z"),
        node("b", "2026-11-30T10:00:10Z", "2026-11-30T10:03:00Z"),
        node("c", "2026-11-30T10:00:20Z"),
        {"metadata": {"name": "control-plane", "creationTimestamp": "2026-11-30T09:00:00Z"}},
    ]
    found = advertised(nodes, None)
    assert (found.nodes, found.offering, found.span_s) == (3, 2, 180.0)


def test_dra_counts_each_node_once_from_its_first_slice_of_the_driver() -> None:
    nodes = [node("a", "2026-11-30T10:00:00Z"), node("b", "2026-11-30T10:00:05Z")]

    def piece(name: str, at: str, driver: str = "gpu.nvidia.com") -> dict[str, Any]:
        spec = {"driver": driver, "nodeName": name, "devices": [{"name": "gpu-0"}]}
        return {"metadata": {"creationTimestamp": at}, "spec": spec}

    slices = [
        piece("a", "2026-11-30T10:01:00Z"),
        piece("a", "2026-11-30T10:09:00Z"),
        piece("b", "2026-11-30T10:02:00Z", driver="other.example.com"),
    ]
    found = advertised(nodes, slices)
    assert (found.offering, found.span_s) == (1, 60.0)
    assert advertised(nodes, []).span_s is None


METRICS = """\
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",resource="leases",subresource="",verb="PUT"} 120
apiserver_request_total{code="409",resource="leases",subresource="",verb="PUT"} 3
apiserver_request_total{code="200",resource="nodes",subresource="status",verb="PATCH"} 40
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{resource="leases",subresource="",verb="PUT",le="+Inf"} 123
apiserver_request_duration_seconds_sum{resource="leases",subresource="",verb="PUT"} 6.5
apiserver_request_duration_seconds_count{resource="leases",subresource="",verb="PUT"} 123
# TYPE apiserver_flowcontrol_request_wait_duration_seconds histogram
apiserver_flowcontrol_request_wait_duration_seconds_sum{WAIT_LABELS} 2.5
apiserver_flowcontrol_request_wait_duration_seconds_sum{OTHER_LABELS} 1.0
""".replace(
    "WAIT_LABELS",
    'execute="true",flow_schema="kube-controller-manager",priority_level="workload-high"',
).replace(
    "OTHER_LABELS", 'execute="false",flow_schema="kube-scheduler",priority_level="workload-high"'
)


def test_requests_are_summed_per_verb_and_resource_busiest_first() -> None:
    load = parse(METRICS)
    busiest, second = load.requests
    assert (busiest.verb, busiest.resource, busiest.requests, busiest.latency_s) == (
        "PUT",
        "leases",
        123,
        6.5,
    )
    assert (second.resource, second.requests) == ("nodes/status", 40)
    assert load.queue_wait_s == {"workload-high": 3.5}


def test_pod_moments_come_from_the_scheduled_condition_and_the_start_time() -> None:
    pod = {
        "metadata": {"creationTimestamp": "2026-11-30T10:00:00Z"},
        "status": {
            "phase": "Running",
            "startTime": "2026-11-30T10:00:09Z",
            "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": "2026-11-30T10:00:09Z"},
                {
                    "type": "PodScheduled",
                    "status": "True",
                    "lastTransitionTime": "2026-11-30T10:00:04Z",
                },
            ],
        },
    }
    moments = pod_moments(pod)
    assert moments.bound is not None
    assert moments.running is not None
    assert (moments.bound - moments.created).total_seconds() == 4
    assert (moments.running - moments.created).total_seconds() == 9
    pending = {
        "metadata": {"creationTimestamp": "2026-11-30T10:00:00Z"},
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False"}],
        },
    }
    assert pod_moments(pending).bound is None
    assert pod_moments(pending).running is None


def test_pod_rows_rate_runs_from_the_first_queue_pod_to_the_last_binding() -> None:
    def at(second: int) -> datetime:
        return datetime(2026, 11, 30, 10, 0, second, tzinfo=UTC)

    moments = {
        "demo-a": PodMoments(at(0), at(1), at(2)),
        "queue-pressure-1": PodMoments(at(10), at(20), at(21)),
        "queue-pressure-2": PodMoments(at(12), at(30), at(31)),
        "queue-pressure-3": PodMoments(at(14), None, None),
    }
    rows: dict[str, float] = {}
    pod_rows(moments, 3, lambda metric, value, unit: rows.__setitem__(metric, value))
    assert rows["queue_pods_created_per_s"] == 3 / 4
    assert rows["queue_pods_bound"] == 2
    assert rows["pods_bound_per_s"] == 2 / 20
    assert rows["bind_p99_s"] == 18
    assert rows["all_running_s"] == 31
    assert rows["observed_running"] == 3


def test_a_recorded_condition_is_read_at_most_once_a_minute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("benchmarks.fleet_scale.time.monotonic", lambda: clock[0])
    reads: list[float] = []

    def read() -> int:
        reads.append(clock[0])
        return len(reads)

    recorded = fleet_scale.Recorded(read)
    assert not recorded.holds(lambda value: True)  # created just now: not read
    clock[0] += 59
    assert not recorded.holds(lambda value: True)
    clock[0] += 1
    assert not recorded.holds(lambda value: value >= 2)  # read once: value 1
    assert recorded.holds(lambda value: True) is False  # read a moment ago
    clock[0] += 60
    assert recorded.holds(lambda value: value >= 2)
    assert reads == [1060.0, 1120.0]
