"""The trace CSV: rows as documented, every bad row named by line and column."""

from pathlib import Path

import pytest

from fleet.imports.pools import InputError
from fleet.trace.csv_file import format_trace, parse_trace, read_trace
from fleet.trace.model import TraceRow

HEADER = "arrival_s,job,pods,gpus_per_pod,pool,product,duration_s,priority\n"


def test_rows_read_in_arrival_order_with_their_constraints() -> None:
    text = HEADER + (
        "60,train-b,2,8,h100,,3600,10\n"
        "0,infer-a,,1,,NVIDIA-L40S|NVIDIA-L4,120.5,\n"
        "30,any-c,1,2,any,,5,\n"
    )
    rows = parse_trace(text, "t.csv")
    assert [row.job for row in rows] == ["infer-a", "any-c", "train-b"]
    infer, anything, train = rows
    assert infer.products == ("NVIDIA-L40S", "NVIDIA-L4")
    assert infer.pool is None
    assert infer.pods == 1
    assert infer.duration_s == 120.5
    assert anything.pool is None
    assert not anything.products
    assert train.pool == "h100"
    assert train.priority == 10
    assert train.pod_gpus == 16
    assert train.wants("h100", "anything", "devicePlugin")
    assert not train.wants("a100", "NVIDIA-H100-80GB-HBM3", "devicePlugin")
    assert infer.wants("l4", "NVIDIA-L4", "devicePlugin")
    assert not infer.wants("l4", "NVIDIA-H200", "devicePlugin")
    # No offer column: the device plugin (until a stack says otherwise: fleet_nodes.for_stack).
    assert train.offer is None
    assert not train.wants("h100", "anything", "dra")


def test_a_trace_survives_writing_and_reading(tmp_path: Path) -> None:
    rows = [
        TraceRow(arrival_s=0.125, job="a", gpus_per_pod=1, duration_s=10, products=("X", "Y")),
        TraceRow(arrival_s=9, job="d", gpus_per_pod=4, duration_s=60, offer="dra"),
        TraceRow(arrival_s=9, job="e", gpus_per_pod=1, duration_s=60, offer="devicePlugin"),
        TraceRow(arrival_s=7200, job="b", pods=4, gpus_per_pod=8, pool="h100", duration_s=3.5),
        TraceRow(arrival_s=86400.5, job="c", gpus_per_pod=2, duration_s=1e5, priority=-3),
    ]
    path = tmp_path / "trace.csv"
    path.write_text(format_trace(rows))
    assert read_trace(path) == rows


def test_each_bad_row_is_named_by_line_and_column() -> None:
    text = HEADER + (
        "0,ok,1,1,,,10,\n"
        "-5,Bad_Name,0,17,,,0,\n"
        "x,two,1,1,,,10,\n"
        "1,ok,1,1,,,10,\n"
        "2,both,1,1,a100,NVIDIA-L4,10,\n"
    )
    with pytest.raises(InputError) as caught:
        parse_trace(text, "t.csv")
    message = str(caught.value)
    for expected in (
        "t.csv: line 3: arrival_s: Input should be greater than or equal to 0 (got '-5')",
        "t.csv: line 3: job: String should match pattern",
        "t.csv: line 3: pods: Input should be greater than or equal to 1 (got '0')",
        "t.csv: line 3: gpus_per_pod: Input should be less than or equal to 16 (got '17')",
        "t.csv: line 3: duration_s: Input should be greater than 0 (got '0')",
        "t.csv: line 4: arrival_s: Input should be a valid number",
        "t.csv: line 5: job: 'ok' is also on line 2",
        "t.csv: line 6: pool, product: give a pool or products, not both",
    ):
        assert expected in message, message


def test_columns_are_checked_before_rows() -> None:
    with pytest.raises(InputError) as caught:
        parse_trace("arrival_s,job,gpus,duration_s\n0,a,1,1\n", "t.csv")
    message = str(caught.value)
    assert "line 1: unknown column 'gpus'" in message
    assert "line 1: missing column 'gpus_per_pod'" in message
    assert "columns are: arrival_s, job, pods, gpus_per_pod" in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (HEADER, "no rows"),
        (HEADER + "0,a,1,1,,,10,,extra\n", "line 2: more cells than the 8 columns"),
    ],
)
def test_empty_or_ragged_traces_are_refused(text: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        parse_trace(text, "t.csv")


def test_a_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "trace.csv"
    path.write_bytes(HEADER.encode() + b"\xff\xfe\n")
    with pytest.raises(Exception, match="not UTF-8 text: line 2"):
        read_trace(path)


def test_a_row_asks_for_its_gpus_by_dra_claim_or_by_the_device_plugin() -> None:
    text = HEADER.replace("priority", "priority,offer") + (
        "0,claims,2,4,h100,,60,,dra\n1,counts,1,1,,,60,,devicePlugin\n2,either,1,1,,,60,,\n"
    )
    claims, counts, either = parse_trace(text, "t.csv")
    assert (claims.offer, claims.asks) == ("dra", "4 GPUs by DRA claim")
    assert claims.wants("h100", "P", "dra")
    assert not claims.wants("h100", "P", "devicePlugin")
    assert (counts.offer, counts.asks) == ("devicePlugin", "1 GPU (nvidia.com/gpu)")
    assert not counts.wants("h100", "P", "dra")
    assert either.offer is None


@pytest.mark.parametrize("value", ["DRA", "claim", "both"])
def test_an_unknown_offer_is_named_by_line_and_column(value: str) -> None:
    text = (
        HEADER.replace("priority", "priority,offer") + f"0,a,1,1,,,10,,dra\n1,b,1,1,,,10,,{value}\n"
    )
    with pytest.raises(InputError) as caught:
        parse_trace(text, "t.csv")
    assert f"t.csv: line 3: offer: Input should be 'devicePlugin' or 'dra' (got {value!r})" in str(
        caught.value
    )
