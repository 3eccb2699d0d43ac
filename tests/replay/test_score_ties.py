"""The premise "every feasible node scores alike for a replay pod" against NodeResourcesFit's
least-allocated score as kube-scheduler v1.36 computes it, and where it breaks.

The expected scores are worked out by hand here (integer arithmetic, cpu in millicores,
memory in bytes): per resource (allocatable - requested) * 100 // allocatable, then
(cpu + memory) // 2; every pod without requests counts as 100m CPU and 200 MiB.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from fleet.replay.score_ties import (
    KIND_OVERHEADS,
    NO_OVERHEAD,
    _nth,
    fit_score,
    least_requested,
    quantity_bytes,
    score_ties,
)
from fleet.stack.load import parse_fleet
from fleet.stack.spec import FleetSpec
from fleet.trace.csv_file import format_trace
from fleet.trace.model import TraceRow
from tests.hostile.run import run_fleet
from tests.paths import STACKS_DIR

CORES_96 = 96_000
TIB = 1024**4


def fleet(mode: str, **pools: dict[str, Any]) -> FleetSpec:
    cluster = {"mode": "kind"} if mode == "kind" else {"mode": "existing", "allowFakeNodes": True}
    return parse_fleet({"cluster": cluster, "pools": pools}, "test")


def pool(gpus: int = 8, **more: Any) -> dict[str, Any]:
    return {"nodes": 4, "gpusPerNode": gpus, "product": "NVIDIA-H100-80GB-HBM3", **more}


def rows(gpus: int = 1, **more: Any) -> list[TraceRow]:
    return [
        TraceRow.model_validate(
            {"arrival_s": 0, "job": f"j{gpus}", "gpus_per_pod": gpus, "duration_s": 60, **more}
        )
    ]


def test_least_requested_is_an_integer_share_of_what_is_left() -> None:
    assert least_requested(900, CORES_96) == 99  # 99.06
    assert least_requested(960, CORES_96) == 99  # exactly 99
    assert least_requested(1000, CORES_96) == 98  # 98.96
    assert least_requested(0, CORES_96) == 100
    assert least_requested(CORES_96 + 1, CORES_96) == 0
    assert least_requested(5, 0) == 0
    assert quantity_bytes("1024Gi") == TIB
    assert quantity_bytes("512G") == 512 * 10**9
    assert quantity_bytes("1000") == 1000


def test_on_kind_the_8th_one_gpu_pod_on_a_96_core_node_scores_lower() -> None:
    """kube-proxy and the pod network: 200m on every fake node. The 7th replay pod makes
    900m (cpu 99, score 99), the 8th 1000m (cpu 98, memory 99: (98 + 99) // 2 = 98)."""
    for kind in KIND_OVERHEADS:
        assert fit_score(CORES_96, TIB, 0, kind) == 99
        assert fit_score(CORES_96, TIB, 6, kind) == 99
        assert fit_score(CORES_96, TIB, 7, kind) == 98
    ties = score_ties(fleet("kind", a=pool(8)), rows(1))
    assert not ties.holds
    (drop,) = ties.drops
    assert (drop.pool, drop.pod, drop.first, drop.then) == ("a", 8, 99, 98)
    assert ties.caveats() == [
        "pool a: the 8th replay pod on a node scores 98, an emptier node 99 (NodeResourcesFit; "
        "kind's kube-proxy, kindnet): the scheduler then prefers emptier nodes to the first "
        "found, so expect the outcome nearer the spreading bound"
    ]


def test_without_other_pods_an_8_gpu_node_ties_and_a_16_gpu_node_drops_at_the_10th() -> None:
    """900m for 9 pods still scores 99, 1000m for the 10th 98."""
    assert fit_score(CORES_96, TIB, 7, NO_OVERHEAD) == 99
    assert fit_score(CORES_96, TIB, 8, NO_OVERHEAD) == 99
    assert fit_score(CORES_96, TIB, 9, NO_OVERHEAD) == 98
    assert score_ties(fleet("existing", a=pool(8)), rows(1)).holds
    ties = score_ties(fleet("existing", a=pool(16)), rows(1))
    assert [(d.pool, d.pod) for d in ties.drops] == [("a", 10)]


def test_pods_that_take_more_gpus_leave_fewer_pods_per_node_and_the_premise_holds() -> None:
    """16-GPU nodes and 2-GPU pods: 8 pods at most, 800m; on kind 8-GPU nodes and 2-GPU
    pods: 4 pods, 600m."""
    assert score_ties(fleet("existing", a=pool(16)), rows(2)).holds
    assert score_ties(fleet("kind", a=pool(8)), rows(2)).holds


def test_few_cores_score_lower_when_empty_and_drop_at_the_3rd_pod() -> None:
    """8 cores: cpu 98 (98.75) for 1 pod, 97 (97.5) for 2, 96 (96.25) for 3; memory 99:
    (98 + 99) // 2 = (97 + 99) // 2 = 98, (96 + 99) // 2 = 97. Against 99 on 96 cores."""
    assert [fit_score(8000, TIB, pods, NO_OVERHEAD) for pods in range(3)] == [98, 98, 97]
    spec = fleet("existing", small=pool(8, cpu=8), big=pool(8))
    ties = score_ties(spec, rows(1))
    assert [(d.pool, d.pod, d.first, d.then) for d in ties.drops] == [("small", 3, 98, 97)]
    assert ties.unequal == (("small", 98, "big", 99),)
    # Jobs pinned to one pool never choose between the two: only the drop remains.
    pinned = rows(1, pool="small") + rows(2, pool="big")
    assert score_ties(spec, pinned).unequal == ()


def test_little_memory_drops_at_the_4th_pod() -> None:
    """64 GiB: 600 MiB for 3 pods still scores 99 (99.08), 800 MiB for 4 scores 98."""
    gib_64 = 64 * 1024**3
    assert [fit_score(CORES_96, gib_64, pods, NO_OVERHEAD) for pods in range(4)] == [99, 99, 99, 98]
    ties = score_ties(fleet("existing", a=pool(8, memory="64Gi")), rows(1))
    assert [(d.pool, d.pod) for d in ties.drops] == [("a", 4)]


def test_pools_no_job_can_use_are_not_questioned() -> None:
    spec = fleet("existing", a=pool(16))
    assert score_ties(spec, rows(1, pool="elsewhere")).holds


def test_fleet_expect_gives_the_caveat_and_its_json_the_premise(tmp_path: Path) -> None:
    trace = tmp_path / "trace.csv"
    trace.write_text(format_trace(rows(1)))
    lesson1 = STACKS_DIR / "Pulumi.lesson1.yaml"
    printed = run_fleet(["expect", str(lesson1), "--trace", str(trace)])
    assert printed.code == 0, printed.err
    assert "caveat: pools a100, h100: the 8th replay pod on a node scores 98, an emptier" in (
        " ".join(printed.out.split())
    )
    as_json = run_fleet(["expect", str(lesson1), "--trace", str(trace), "--json"])
    premise = json.loads(as_json.out)["equal_scores_premise"]
    assert premise["holds"] is False
    # a100 and h100 (8 GPUs), in one line; l40s (4 GPUs) holds.
    assert premise["caveats"] == [c for c in premise["caveats"] if "pools a100, h100:" in c]
    assert len(premise["caveats"]) == 1
    existing = run_fleet(
        ["expect", str(STACKS_DIR / "Pulumi.existing.yaml"), "--trace", str(trace)]
    )
    assert existing.code == 0, existing.err
    assert "replay pod on a node scores" not in existing.out


@pytest.mark.parametrize("number", [1, 2, 3, 4, 11, 12, 13, 21, 22, 112])
def test_ordinals(number: int) -> None:
    expected = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th"}
    expected |= {21: "21st", 22: "22nd", 112: "112th"}
    assert _nth(number) == expected[number]
