"""The benchmark's readings of the API server's own records: GPU advertisement times from
managed fields and ResourceSlices, and request counts from `/metrics`."""

from typing import Any

from benchmarks.apiserver_load import parse
from benchmarks.server_times import advertised, gpu_writer_time


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
