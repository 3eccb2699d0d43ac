"""GPU sharing declared per pool: the MIG catalog, which layouts fit one GPU, and what the
nodes and the operator are given for it (docs/fleet.md, "GPU sharing")."""

import copy
import itertools
import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from fleet.cli import main
from fleet.render.nodes import fleet_nodes
from fleet.render.operator import operator_values
from fleet.sharing.layout import misfit
from fleet.sharing.profiles import MIG_PROFILES, SHAPES, Shape
from fleet.stack import catalog
from fleet.stack.load import parse_fleet
from fleet.stack.owner import StackOwner
from fleet.stack.spec import FleetSpec
from tests.paths import ROOT

OWNER = StackOwner("gpu-fleet", "sharing")
MIXED = {"mig": {"strategy": "mixed", "profiles": {"3g.40gb": 1, "2g.20gb": 1, "1g.10gb": 2}}}
BASE: dict[str, Any] = {
    "cluster": {"mode": "kind"},
    "pools": {
        "a100": {"nodes": 2, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"},
        "l40s": {"nodes": 1, "gpusPerNode": 4, "product": "NVIDIA-L40S"},
    },
}
# Where each shape may start (first memory slice), as `nvidia-smi mig -lgipp` lists the
# placements of the A100/H100-class GPUs: the test's own model of the driver.
PLACEMENTS = {
    (1, 1): (0, 1, 2, 3, 4, 5, 6),
    (1, 2): (0, 2, 4, 6),
    (2, 2): (0, 2, 4),
    (3, 4): (0, 4),
    (4, 4): (0,),
    (7, 8): (0,),
}


def spec_with(**sharing: Any) -> FleetSpec:
    config = copy.deepcopy(BASE)
    for pool, shared in sharing.items():
        config["pools"][pool]["sharing"] = shared
    return parse_fleet(config, "test.yaml")


def placeable(layout: Mapping[Shape, int]) -> bool:
    """Whether every instance gets a placement of its own, no memory slice shared and at
    most 7 compute slices in all."""
    if sum(shape.compute_slices * count for shape, count in layout.items()) > 7:
        return False
    instances = [shape for shape, count in layout.items() for _ in range(count)]

    def place(index: int, used: int) -> bool:
        if index == len(instances):
            return True
        shape = instances[index]
        for start in PLACEMENTS[(shape.compute_slices, shape.memory_slices)]:
            mask = ((1 << shape.memory_slices) - 1) << start
            if not used & mask and place(index + 1, used | mask):
                return True
        return False

    return place(0, 0)


def test_each_shape_holds_as_many_instances_as_it_has_placements() -> None:
    for shape in SHAPES:
        starts = PLACEMENTS[(shape.compute_slices, shape.memory_slices)]
        assert shape.max_per_gpu == len(starts)
        assert placeable({shape: shape.max_per_gpu})
        assert not placeable({shape: shape.max_per_gpu + 1})


def test_a_layout_fits_exactly_when_the_driver_could_place_it() -> None:
    """Every layout of up to one instance more of each profile than fit alone: the slice
    sums decide as the placements do (9,719 layouts)."""
    profiles = list(MIG_PROFILES["NVIDIA-H100-80GB-HBM3"].values())
    checked = 0
    for counts in itertools.product(*(range(p.max_per_gpu + 2) for p in profiles)):
        layout = {p: c for p, c in zip(profiles, counts, strict=True) if c}
        if not layout:
            continue
        shapes = {p.shape: c for p, c in layout.items()}
        assert (misfit(layout, "H100") is None) == placeable(shapes), layout
        checked += 1
    assert checked == 9719


def test_nvidias_balanced_layouts_fit() -> None:
    """mig-parted's `all-balanced` layout of each product (2 x 1g, 1 x 2g, 1 x 3g)."""
    for product, profiles in MIG_PROFILES.items():
        small, _, two, three, _, _ = profiles.values()
        assert misfit({small: 2, two: 1, three: 1}, product) is None


def test_profile_names_follow_compute_slices_and_the_memory_fraction() -> None:
    """`<c>g.<m>gb`: c compute slices, m the product's memory (the 7g profile's) times the
    profile's eighths, rounded half up."""
    for product, profiles in MIG_PROFILES.items():
        total = name_slices(list(profiles)[-1])[1]
        for name, profile in profiles.items():
            compute, memory = name_slices(name)
            assert compute == profile.compute_slices, (product, name)
            assert memory == (2 * total * profile.memory_slices + 8) // 16, (product, name)


def name_slices(name: str) -> tuple[int, int]:
    """`3g.40gb` -> (3, 40)."""
    found = re.fullmatch(r"(\d)g\.(\d+)gb", name)
    assert found is not None, name
    return int(found[1]), int(found[2])


def test_mig_products_are_the_catalogs_mig_capable_ones_and_b200() -> None:
    assert set(MIG_PROFILES) - set(catalog.CATALOG) == {"NVIDIA-B200"}
    assert set(catalog.CATALOG) - set(MIG_PROFILES) == {"NVIDIA-L40S", "NVIDIA-L4", "Tesla-T4"}


def test_a_mixed_pool_offers_a_resource_per_profile_and_no_whole_gpu() -> None:
    pool = spec_with(a100=MIXED).pools["a100"]
    offer = pool.offer
    assert (offer.kind, offer.gpu_count, offer.product) == ("mig-mixed", 0, pool.product)
    assert offer.resources == {
        "nvidia.com/mig-3g.40gb": 8,
        "nvidia.com/mig-2g.20gb": 8,
        "nvidia.com/mig-1g.10gb": 16,
    }


def test_mixed_nodes_carry_gfds_mig_labels() -> None:
    spec = spec_with(a100=MIXED)
    nodes = {node["metadata"]["name"]: node for node in fleet_nodes(spec, OWNER)}
    labels = nodes["kwok-gpu-a100-1"]["metadata"]["labels"]
    assert labels["nvidia.com/mig.strategy"] == "mixed"
    assert labels["nvidia.com/gpu.product"] == "NVIDIA-A100-SXM4-80GB"
    assert labels["nvidia.com/mig-1g.10gb.count"] == "16"
    assert labels["nvidia.com/mig-1g.10gb.memory"] == "10240"
    assert labels["nvidia.com/mig-3g.40gb.slices.gi"] == "3"
    assert labels["nvidia.com/mig-3g.40gb.slices.ci"] == "3"
    status = nodes["kwok-gpu-a100-1"]["status"]
    assert not [key for key in status["capacity"] if key.startswith("nvidia.com/")]
    l40s = nodes["kwok-gpu-l40s-0"]["metadata"]["labels"]
    assert not [key for key in l40s if key.startswith("nvidia.com/mig")]


def test_single_counts_slices_as_gpus_with_the_slices_product_and_memory() -> None:
    spec = spec_with(a100={"mig": {"strategy": "single", "profiles": {"1g.10gb": 7}}})
    offer = spec.pools["a100"].offer
    assert (offer.gpu_count, offer.memory_mib, offer.resources) == (56, 10240, {})
    assert offer.product == "NVIDIA-A100-SXM4-80GB-MIG-1g.10gb"
    pool = operator_values(spec)["topology"]["nodePools"]["a100"]
    assert pool == {"gpuCount": 56, "gpuProduct": offer.product, "gpuMemory": 10240}
    assert operator_values(spec)["topology"]["migStrategy"] == "single"


def test_time_slicing_multiplies_the_gpus_and_suffixes_the_product() -> None:
    spec = spec_with(l40s={"timeSlicing": {"replicas": 4}})
    (node,) = [n for n in fleet_nodes(spec, OWNER) if n["metadata"]["name"] == "kwok-gpu-l40s-0"]
    labels = node["metadata"]["labels"]
    assert labels["nvidia.com/gpu.product"] == "NVIDIA-L40S-SHARED"
    assert labels["nvidia.com/gpu.replicas"] == "4"
    assert labels["nvidia.com/gpu.sharing-strategy"] == "time-slicing"
    assert "nvidia.com/mig.strategy" not in labels
    values = operator_values(spec)["topology"]
    assert values["nodePools"]["l40s"]["gpuCount"] == 16
    assert values["nodePools"]["l40s"]["gpuProduct"] == "NVIDIA-L40S-SHARED"
    assert values["migStrategy"] == "none"


def test_the_operator_writes_the_mig_resources_as_its_other_devices() -> None:
    values = operator_values(spec_with(a100=MIXED))["topology"]
    assert values["migStrategy"] == "mixed"
    assert values["nodePools"]["a100"] == {
        "gpuCount": 0,
        "gpuProduct": "NVIDIA-A100-SXM4-80GB",
        "gpuMemory": 81920,
        "otherDevices": [
            {"name": "nvidia.com/mig-3g.40gb", "count": 8},
            {"name": "nvidia.com/mig-2g.20gb", "count": 8},
            {"name": "nvidia.com/mig-1g.10gb", "count": 16},
        ],
    }
    assert values["nodePools"]["l40s"] == {
        "gpuCount": 4,
        "gpuProduct": "NVIDIA-L40S",
        "gpuMemory": 46068,
    }


def test_a_b200_pool_takes_its_memory_from_the_stack() -> None:
    config = copy.deepcopy(BASE)
    config["pools"]["b200"] = {
        "nodes": 1,
        "gpusPerNode": 8,
        "product": "NVIDIA-B200",
        "gpuMemoryMiB": 184320,
        "sharing": {"mig": {"strategy": "mixed", "profiles": {"3g.90gb": 2}}},
    }
    offer = parse_fleet(config, "test.yaml").pools["b200"].offer
    assert offer.resources == {"nvidia.com/mig-3g.90gb": 16}
    assert offer.labels["nvidia.com/mig-3g.90gb.memory"] == "92160"


def test_check_prints_the_slices_per_pool(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    config = copy.deepcopy(BASE)
    config["pools"]["a100"]["sharing"] = MIXED
    config["pools"]["l40s"]["sharing"] = {"timeSlicing": {"replicas": 3}}
    stack = tmp_path / "Pulumi.sharing.yaml"
    stack.write_text(json.dumps({"config": {f"gpu-fleet:{k}": v for k, v in config.items()}}))
    assert main(["check", str(stack)]) == 0
    out = capsys.readouterr().out
    assert "sharing (device plugin)" in out
    assert re.search(r"a100 +│ mig-mixed +│ 1 x 3g.40gb \+ 1 x 2g.20gb \+ 2 x 1g.10gb", out)
    assert re.search(r"nvidia.com/mig-1g.10gb +│ +16 │ +32 │", out)
    assert re.search(r"l40s +│ time-slicing +│ 3 replicas +│ nvidia.com/gpu +│ +12 │ +12 │", out)
    assert main(["check", "--json", str(stack)]) == 0
    data = json.loads(capsys.readouterr().out)["pools"]
    assert data["a100"]["sharing"]["slices"]["nvidia.com/mig-1g.10gb"] == 32
    assert data["a100"]["sharing"]["nvidiaComGpuPerNode"] == 0
    assert data["l40s"]["sharing"]["slicesPerNode"] == {"nvidia.com/gpu": 12}


def test_a_fleet_without_sharing_keeps_its_values_and_labels() -> None:
    spec = spec_with()
    assert operator_values(spec)["topology"]["migStrategy"] == "none"
    for node in fleet_nodes(spec, OWNER):
        assert not [k for k in node["metadata"]["labels"] if k.startswith("nvidia.com/mig")]
    assert spec.shared_pools == {}


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("expect", ["{stack}"]),
        ("trace", ["{stack}", "--out", "{tmp}/trace.csv"]),
        ("replay", ["{stack}", "{tmp}/trace.csv", "--speed", "60"]),
        ("evidence", ["--stack", "{stack}", "--out", "{tmp}/evidence"]),
    ],
)
def test_commands_that_count_whole_gpus_refuse_a_shared_fleet(
    command: str, args: list[str], tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    config = copy.deepcopy(BASE)
    config["pools"]["l40s"]["sharing"] = {"timeSlicing": {"replicas": 2}}
    stack = tmp_path / "Pulumi.sharing.yaml"
    stack.write_text(json.dumps({"config": {f"gpu-fleet:{k}": v for k, v in config.items()}}))
    filled = [arg.format(stack=stack, tmp=tmp_path) for arg in args]
    assert main([command, *filled]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{stack}: invalid fleet spec\n")
    assert f"gpu-fleet:pools.l40s.sharing: gpu-fleet {command} predicts and checks whole" in err
    assert not (tmp_path / "trace.csv").exists()


def test_the_manuals_profile_table_is_the_catalog() -> None:
    text = (ROOT / "docs" / "fleet.md").read_text(encoding="utf-8")
    section = text.split("\n## GPU sharing\n", 1)[1].split("\n### ", 1)[0]
    documented = {}
    for line in section.splitlines():
        if line.startswith("| `NVIDIA-"):
            products, profiles = (cell.strip() for cell in line.strip("|").split(" | "))
            for product in re.findall(r"`([^`]+)`", products):
                documented[product] = profiles
    assert documented == {
        product: ", ".join(f"{p.name} ({p.max_per_gpu})" for p in profiles.values())
        for product, profiles in MIG_PROFILES.items()
    }
