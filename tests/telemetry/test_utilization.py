"""Utilization profiles: the range a stack or trace declares, checked as the operator reads it,
carried by the demo's pods and the replay's Jobs in the operator's annotation."""

import pytest

from fleet.demo.workloads import DRA_QUEUE, QUEUE, SMALL
from fleet.imports.pools import InputError
from fleet.render.demo import demo_objects
from fleet.replay.jobs import JobShape, job_manifest
from fleet.stack.demo_names import DEFAULT_UTILIZATION
from fleet.stack.utilization import UTILIZATION_ANNOTATION, UtilizationRange, parse_utilization
from fleet.trace.csv_file import format_trace, parse_trace
from lab.mocks import spec_from

POOLS = {"a100": {"nodes": 2, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"}}
HEADER = "arrival_s,job,gpus_per_pod,duration_s,util\n"


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("20-40", 20, 40), ("50", 50, 50), (" 0-100 ", 0, 100), ("7-7", 7, 7)],
)
def test_ranges_the_operator_reads(text: str, low: int, high: int) -> None:
    assert parse_utilization(text) == UtilizationRange(low, high)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("40-20", "the low end 40 is above the high end"),
        ("20-140", "140 is above 100"),
        ("20..40", "got '20..40'"),
        ("-5", "got '-5'"),
        ("", "got ''"),
        ("20-40%", "got '20-40%'"),
    ],
)
def test_malformed_ranges_say_what_is_valid(text: str, why: str) -> None:
    with pytest.raises(ValueError, match="such as 20-40") as error:
        parse_utilization(text)
    assert why in str(error.value)


def test_the_operator_draws_below_the_high_end() -> None:
    """It draws from [low, high): 85-100 never reads 100, 50 always reads 50."""
    assert parse_utilization("85-100").highest_reading == 99
    assert parse_utilization("50").highest_reading == 50
    assert parse_utilization("85-100").holds(99)
    assert not parse_utilization("85-100").holds(100)


def _annotations(spec_config: dict[str, object]) -> dict[str, str]:
    found = {}
    for obj in demo_objects(spec_from(spec_config)):
        if obj["kind"] == "Pod":
            found[obj["metadata"]["name"]] = obj["metadata"]["annotations"][UTILIZATION_ANNOTATION]
        elif obj["kind"] == "Deployment":
            template = obj["spec"]["template"]["metadata"]
            found[obj["metadata"]["name"]] = template["annotations"][UTILIZATION_ANNOTATION]
    return found


def test_every_demo_pod_carries_its_workloads_default_profile() -> None:
    config = {"cluster": {"mode": "kind"}, "pools": POOLS, "demo": {"enabled": True}}
    found = _annotations(config)
    assert found == {name: DEFAULT_UTILIZATION[name] for name in found}
    assert len(found) == 4
    # A batch job busy, the inference queue bursty.
    assert found[SMALL] == "60-90"
    assert found[QUEUE] == "10-90"


def test_a_stack_declares_a_workloads_profile() -> None:
    config = {
        "cluster": {"mode": "kind"},
        "pools": POOLS,
        "gpuOffer": "both",
        "operator": {"version": "0.2.0"},
        "demo": {"enabled": True, "utilization": {QUEUE: " 0-5", DRA_QUEUE: "30"}},
    }
    found = _annotations(config)
    assert found[QUEUE] == "0-5"
    assert found[DRA_QUEUE] == "30"
    assert found[SMALL] == DEFAULT_UTILIZATION[SMALL]


def test_a_trace_row_declares_its_pods_profile_in_the_util_column() -> None:
    rows = parse_trace(HEADER + "0,busy,1,60,20-40\n5,plain,1,60,\n", "t.csv")
    busy, plain = rows
    assert busy.utilization == "20-40"
    assert plain.utilization is None
    pod = job_manifest(busy, "ns", "r", 1, JobShape())["spec"]["template"]["metadata"]
    assert pod["annotations"][UTILIZATION_ANNOTATION] == "20-40"
    pod = job_manifest(plain, "ns", "r", 1, JobShape())["spec"]["template"]["metadata"]
    assert UTILIZATION_ANNOTATION not in pod["annotations"]
    # Written back as it was read.
    assert parse_trace(format_trace(rows), "again.csv") == rows


def test_a_malformed_util_cell_is_named_by_line_and_column() -> None:
    with pytest.raises(InputError) as error:
        parse_trace(HEADER + "0,ok,1,60,20-40\n5,bad,1,60,90-10\n", "jobs.csv")
    message = str(error.value)
    assert "jobs.csv" in message
    assert "line 3: util:" in message
    assert "the low end 90 is above the high end" in message


def test_a_trace_without_utilization_is_written_without_the_column() -> None:
    rows = parse_trace(HEADER + "0,plain,1,60,\n", "t.csv")
    text = format_trace(rows)
    assert text.splitlines()[0].endswith(",team")
    assert parse_trace(text, "again.csv") == rows
