"""Every shipped stack validates, with the fleet shapes the README promises."""

import pytest

from fleet.stack.load import load_stack_file
from fleet.stack.spec import ExistingClusterSpec, FleetSpec, KindClusterSpec
from tests.paths import STACK_FILES, STACKS_DIR

EXPECTED_TOTALS = {
    "lesson1": (5, 32),
    "lesson1-dra": (5, 32),
    "lesson1-kueue": (5, 32),
    "lesson1-kai": (5, 32),
    "lesson-topology": (16, 64),
    "medium": (160, 1024),
    "large-1k": (1000, 6400),
    "existing": (6, 48),
}


def test_every_stack_is_covered() -> None:
    names = {path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in STACK_FILES}
    assert names == set(EXPECTED_TOTALS)


@pytest.mark.parametrize("stack", sorted(EXPECTED_TOTALS))
def test_stack_totals(stack: str) -> None:
    spec = load_stack_file(STACKS_DIR / f"Pulumi.{stack}.yaml")
    assert (spec.total_nodes, spec.total_gpus) == EXPECTED_TOTALS[stack]


def test_lesson1_is_the_reference_fleet(lesson1: FleetSpec) -> None:
    shape = {
        name: (pool.nodes, pool.gpus_per_node, pool.product, pool.memory_mib, pool.cpu, pool.memory)
        for name, pool in lesson1.pools.items()
    }
    assert shape == {
        "a100": (2, 8, "NVIDIA-A100-SXM4-80GB", 81920, 96, "1024Gi"),
        "h100": (1, 8, "NVIDIA-H100-80GB-HBM3", 81920, 96, "1024Gi"),
        "l40s": (2, 4, "NVIDIA-L40S", 46068, 96, "1024Gi"),
    }
    assert all(pool.pods == 110 for pool in lesson1.pools.values())
    assert isinstance(lesson1.cluster, KindClusterSpec)
    assert lesson1.cluster.name == "ai-factory-lab"
    assert lesson1.largest_pod_gpus == 8
    assert lesson1.demo.enabled


def test_large_stacks_use_an_operator_with_a_shared_exporter() -> None:
    for stack in ("medium", "large-1k"):
        spec = load_stack_file(STACKS_DIR / f"Pulumi.{stack}.yaml")
        assert spec.operator.has_shared_exporter, stack


def test_existing_stack_opts_in_to_fake_nodes() -> None:
    spec = load_stack_file(STACKS_DIR / "Pulumi.existing.yaml")
    assert isinstance(spec.cluster, ExistingClusterSpec)
    assert spec.cluster.allow_fake_nodes
