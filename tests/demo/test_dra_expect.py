"""The expected outcome of the DRA variant of the demo, against hand-worked fleets."""

from typing import Any

import pytest
import yaml

from fleet.demo.outcome import (
    REASON_CANNOT_ALLOCATE_CLAIMS,
    REASON_INSUFFICIENT_GPU,
    REASON_NODE_SELECTOR,
    REASON_TOO_MANY_PODS,
    FleetOutcome,
)
from fleet.demo.plan import plan_demo
from fleet.demo.workloads import (
    DRA_MISSING,
    DRA_OVERSIZED,
    DRA_QUEUE,
    DRA_SMALL,
    MISSING,
    OVERSIZED,
    QUEUE,
    SMALL,
    DemoWorkload,
    DeviceSelection,
    demo_workloads,
)
from fleet.stack.load import load_stack_file, parse_fleet, project_config
from fleet.stack.spec import FleetSpec
from tests.demo.fleets import beyond_the_spec, pool
from tests.paths import STACKS_DIR

LESSON1_DRA_FILE = STACKS_DIR / "Pulumi.lesson1-dra.yaml"
CANNOT = (REASON_CANNOT_ALLOCATE_CLAIMS,)
H100 = {"nodes": 1, "gpusPerNode": 8, "product": "NVIDIA-H100-80GB-HBM3"}
L40S = {"nodes": 2, "gpusPerNode": 4, "product": "NVIDIA-L40S"}


def dra_fleet(pools: dict[str, Any], offer: str = "dra", **demo: Any) -> FleetSpec:
    config = {
        "cluster": {"mode": "kind"},
        "pools": pools,
        "gpuOffer": offer,
        "operator": {"version": "0.2.0"},
        "demo": {"enabled": True, **demo},
    }
    return parse_fleet(config, "test")


def lesson1_dra_config() -> dict[str, Any]:
    return project_config(yaml.safe_load(LESSON1_DRA_FILE.read_text())["config"], "test")


def workload(spec: FleetSpec, name: str) -> DemoWorkload:
    (found,) = [w for w in demo_workloads(spec) if w.name == name]
    return found


def _rows(outcome: FleetOutcome) -> dict[str, tuple[int, int, tuple[str, ...]]]:
    return {w.name: (w.running, w.pending, w.reasons) for w in outcome.workloads}


def test_lesson1_dra_matches_the_device_plugin_split() -> None:
    """Same pools, same counts: only the mechanism and the scheduler's words differ."""
    outcome = plan_demo(load_stack_file(LESSON1_DRA_FILE)).expected
    assert _rows(outcome) == {
        DRA_SMALL: (1, 0, ()),
        DRA_OVERSIZED: (0, 1, CANNOT),
        DRA_MISSING: (0, 1, CANNOT),
        DRA_QUEUE: (31, 9, CANNOT),
    }
    assert [w.kind for w in outcome.workloads] == ["Pod", "Pod", "Pod", "Deployment"]
    assert (outcome.running, outcome.pending) == (32, 11)
    assert outcome.caveats == ()


def test_growing_a_pool_by_two_moves_the_dra_queue() -> None:
    """a100 2 -> 4 nodes: 48 devices, 47 after the small claim; the 40 queued claims all fit."""
    config = lesson1_dra_config()
    config["pools"]["a100"]["nodes"] = 4
    outcome = plan_demo(parse_fleet(config, "test")).expected
    assert _rows(outcome)[DRA_QUEUE] == (40, 0, ())
    assert (outcome.running, outcome.pending) == (41, 2)


def test_small_claim_selects_its_pools_product_in_a_mixed_fleet() -> None:
    """h100 1x8, l40s 2x4, smallPool l40s: the small claim takes an L40S, not the H100."""
    spec = dra_fleet({"h100": H100, "l40s": L40S}, smallPool="l40s", queueReplicas=15)
    assert workload(spec, DRA_SMALL).claim == DeviceSelection(product="NVIDIA-L40S")
    outcome = plan_demo(spec).expected
    # 16 devices, 1 taken by the small claim: 15 for the queue, all fit.
    assert _rows(outcome)[DRA_QUEUE] == (15, 0, ())
    assert _rows(outcome)[DRA_SMALL] == (1, 0, ())


def test_queue_claims_selecting_by_memory_use_only_the_big_gpus() -> None:
    """At least 80,000 MiB: the H100's 8 devices qualify, the L40S (46,068 MiB) do not."""
    spec = dra_fleet(
        {"h100": H100, "l40s": L40S},
        smallPool="l40s",
        queueMinGpuMemoryMiB=80_000,
        queueReplicas=10,
    )
    outcome = plan_demo(spec).expected
    assert _rows(outcome)[DRA_QUEUE] == (8, 2, CANNOT)


def test_memory_floor_counts_devices_left_after_the_small_claim() -> None:
    """The small claim (first pool, h100) takes one of the 8 big devices before the queue."""
    spec = dra_fleet({"h100": H100, "l40s": L40S}, queueMinGpuMemoryMiB=46_068, queueReplicas=20)
    # Every device qualifies at exactly the L40S's memory: 16 - 1 = 15 run.
    assert _rows(plan_demo(spec).expected)[DRA_QUEUE] == (15, 5, CANNOT)


def test_a_product_in_the_fleet_is_not_the_missing_product() -> None:
    spec = dra_fleet(
        {"b200": {"nodes": 1, "gpusPerNode": 8, "product": "NVIDIA-B200", "gpuMemoryMiB": 183_359}}
    )
    assert workload(spec, DRA_MISSING).claim == DeviceSelection(product="NVIDIA-B200-absent")
    assert _rows(plan_demo(spec).expected)[DRA_MISSING] == (0, 1, CANNOT)


def test_oversized_claim_goes_where_a_whole_node_is_free() -> None:
    """The small claim (first pool) takes an H100 device, so 8 devices fit only on the A100."""
    fleet = dra_fleet({"h100": H100, "a100": pool(1, 8)}, queueReplicas=20)
    spec = beyond_the_spec(fleet, oversizedGpus=8)
    outcome = plan_demo(spec).expected
    assert _rows(outcome)[DRA_OVERSIZED] == (1, 0, ())
    assert _rows(outcome)[DRA_QUEUE] == (7, 13, CANNOT)
    assert outcome.caveats == ()


def test_caveat_when_an_unselective_multi_device_claim_could_land_on_either_product() -> None:
    fleet = dra_fleet({"h100": H100, "a100": pool(1, 8)}, smallPool="a100", queueReplicas=8)
    spec = beyond_the_spec(fleet, oversizedGpus=4)
    caveats = plan_demo(spec).expected.caveats
    assert len(caveats) == 1
    assert caveats[0].startswith(f"{DRA_OVERSIZED} fits on nodes that differ")


def test_slots_run_out_before_devices_and_dra_reports_only_that() -> None:
    """pods: 4 on kind leaves 2 slots per node; the resource filter stops before DRA's."""
    spec = dra_fleet({"a100": pool(2, 8, pods=4)})
    assert _rows(plan_demo(spec).expected) == {
        DRA_SMALL: (1, 0, ()),
        DRA_OVERSIZED: (0, 1, (REASON_TOO_MANY_PODS,)),
        DRA_MISSING: (0, 1, (REASON_TOO_MANY_PODS,)),
        DRA_QUEUE: (3, 21, (REASON_TOO_MANY_PODS,)),
    }


def test_both_offers_count_gpus_apart_but_share_pod_slots() -> None:
    """One node, 8 GPUs, 10 free slots: the device-plugin demo first takes 8 slots."""
    spec = dra_fleet({"a100": pool(1, 8, pods=12)}, offer="both")
    outcome = plan_demo(spec).expected
    assert _rows(outcome) == {
        SMALL: (1, 0, ()),
        OVERSIZED: (0, 1, (REASON_TOO_MANY_PODS, REASON_INSUFFICIENT_GPU)),
        MISSING: (0, 1, (REASON_NODE_SELECTOR,)),
        QUEUE: (7, 9, (REASON_TOO_MANY_PODS, REASON_INSUFFICIENT_GPU)),
        # 2 slots left for the DRA variant, though all 8 devices are free.
        DRA_SMALL: (1, 0, ()),
        DRA_OVERSIZED: (0, 1, (REASON_TOO_MANY_PODS,)),
        DRA_MISSING: (0, 1, (REASON_TOO_MANY_PODS,)),
        DRA_QUEUE: (1, 15, (REASON_TOO_MANY_PODS,)),
    }
    assert any("offered twice" in caveat for caveat in outcome.caveats)


def test_operator_not_installed_names_resource_slices() -> None:
    config = lesson1_dra_config()
    config["operator"] = {"install": False}
    caveats = plan_demo(parse_fleet(config, "test")).expected.caveats
    assert any("publishes DRA ResourceSlices" in caveat for caveat in caveats)


@pytest.mark.parametrize(
    ("product", "memory", "selection", "matches"),
    [
        ("NVIDIA-L40S", 46068, DeviceSelection(), True),
        ("NVIDIA-L40S", 46068, DeviceSelection(product="NVIDIA-L40S"), True),
        ("NVIDIA-L40S", 46068, DeviceSelection(product="NVIDIA-H100-80GB-HBM3"), False),
        ("NVIDIA-L40S", 46068, DeviceSelection(min_memory_mib=46068), True),
        ("NVIDIA-L40S", 46068, DeviceSelection(min_memory_mib=46069), False),
        ("NVIDIA-L40S", 46068, DeviceSelection("NVIDIA-L40S", 80_000), False),
    ],
)
def test_selection_matches(
    product: str, memory: int, selection: DeviceSelection, matches: bool
) -> None:
    assert selection.matches(product, memory) is matches
