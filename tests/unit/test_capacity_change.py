"""What `pulumi preview --diff` would show for a capacity change: only the nodes."""

from typing import Any

from fleet.stack.spec import FleetSpec
from lab.mocks import Deploy, Deployment, spec_from, stack


def resized(spec: FleetSpec, pool: str, nodes: int) -> FleetSpec:
    config = spec.model_dump(by_alias=True, exclude_none=True)
    config["pools"][pool]["nodes"] = nodes
    return spec_from(config)


def by_urn(deployment: Deployment) -> dict[str, dict[str, Any]]:
    return {r.urn: r.inputs for r in deployment.registrations}


def test_growing_a_pool_adds_exactly_the_new_nodes(deploy: Deploy) -> None:
    before = by_urn(deploy(stack("lesson1")))
    after = by_urn(deploy(resized(stack("lesson1"), "a100", 4)))
    added = {urn.rsplit("::", 1)[1] for urn in after.keys() - before.keys()}
    assert added == {"kwok-gpu-a100-2", "kwok-gpu-a100-3"}
    assert before.keys() - after.keys() == set()
    changed = [urn for urn in before if before[urn] != after[urn]]
    assert changed == []


def test_shrinking_a_pool_removes_exactly_the_last_nodes(deploy: Deploy) -> None:
    before = by_urn(deploy(stack("lesson1")))
    after = by_urn(deploy(resized(stack("lesson1"), "l40s", 1)))
    removed = {urn.rsplit("::", 1)[1] for urn in before.keys() - after.keys()}
    assert removed == {"kwok-gpu-l40s-1"}
    assert after.keys() <= before.keys()
    assert [urn for urn in after if before[urn] != after[urn]] == []
