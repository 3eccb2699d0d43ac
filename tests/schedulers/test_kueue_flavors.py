"""Kueue admits a replay's job only into a ResourceFlavor whose nodes can run it.

Kueue picks a job's flavor by quota and node labels alone: it keeps, of the pod's node
selector and required node affinity, the expressions on label keys that the resource
group's flavors carry, and matches them against each flavor's `nodeLabels` (terms
ORed, expressions ANDed). It does not see node sizes. These tests apply that rule to
the Jobs `fleet replay` creates on the fleet `make bench-schedulers` uses, and check
that every flavor a job may be admitted to has nodes that hold one of its pods, of a
product the job accepts.
"""

from typing import Any

import pytest

from benchmarks.replay import OPERATOR
from benchmarks.schedulers import pools_of, teams_of
from fleet.replay.jobs import job_manifest, pool_sizes, scheduler_shape
from fleet.schedulers.kueue import resource_flavors
from fleet.stack.load import parse_fleet
from fleet.stack.spec import FleetSpec
from fleet.trace.generate import Sizing, generate
from fleet.trace.model import TraceRow


def bench_fleet() -> FleetSpec:
    """large-1k's pools (a100 and h100 of 8 GPUs a node, l40s of 4) and the bench's teams."""
    pools = pools_of(1000)
    config = {
        "cluster": {"mode": "kind", "name": "bench-schedulers"},
        "pools": pools,
        "scheduler": "kueue",
        "teams": teams_of(pools),
        "operator": {"version": OPERATOR},
    }
    return parse_fleet(config, "bench-schedulers")


SPEC = bench_fleet()
FLAVORS = resource_flavors(SPEC)
LABEL_KEYS = {key for flavor in FLAVORS for key in flavor["spec"]["nodeLabels"]}


def _matches(expression: dict[str, Any], labels: dict[str, str]) -> bool:
    value = labels.get(expression["key"])
    if expression["operator"] == "In":
        return value in expression["values"]
    raise AssertionError(f"the replay's Jobs use only In, not {expression['operator']}")


def admissible_flavors(pod: dict[str, Any]) -> list[str]:
    """The flavors whose node labels Kueue finds compatible with the pod's placement."""
    selector = {k: v for k, v in pod.get("nodeSelector", {}).items() if k in LABEL_KEYS}
    affinity = pod.get("affinity", {}).get("nodeAffinity", {})
    required = affinity.get("requiredDuringSchedulingIgnoredDuringExecution", {})
    terms: list[list[dict[str, Any]]] = []
    for term in required.get("nodeSelectorTerms", []):
        kept = [e for e in term["matchExpressions"] if e["key"] in LABEL_KEYS]
        if not kept:  # a term left empty matches every flavor
            terms = []
            break
        terms.append(kept)
    names = []
    for flavor in FLAVORS:
        labels = flavor["spec"]["nodeLabels"]
        if any(labels.get(key) != value for key, value in selector.items()):
            continue
        if terms and not any(all(_matches(e, labels) for e in term) for term in terms):
            continue
        names.append(flavor["metadata"]["name"])
    return names


def runnable_pools(row: TraceRow) -> set[str]:
    """The pools with nodes that can run one pod of `row`, as kube-scheduler sees them."""
    return {
        name
        for name, pool in SPEC.pools.items()
        if pool.gpus_per_node >= row.gpus_per_pod
        and (row.pool is None or row.pool == name)
        and (not row.products or pool.product in row.products)
    }


def row(**fields: object) -> TraceRow:
    base = {"arrival_s": 0, "job": "j", "gpus_per_pod": 1, "duration_s": 60, "team": "research"}
    return TraceRow.model_validate({**base, **fields})


ROWS = {
    "8 GPUs, any pool": row(gpus_per_pod=8),
    "8 GPUs x 4, any pool": row(gpus_per_pod=8, pods=4),
    "4 GPUs, any pool": row(gpus_per_pod=4),
    "1 GPU, H100": row(products=["NVIDIA-H100-80GB-HBM3"]),
    "8 GPUs, L40S or A100": row(gpus_per_pod=8, products=["NVIDIA-L40S", "NVIDIA-A100-SXM4-80GB"]),
    "2 GPUs, pool l40s": row(gpus_per_pod=2, pool="l40s"),
}


@pytest.mark.parametrize("name", ROWS)
def test_kueue_admits_a_job_only_into_flavors_whose_nodes_run_it(name: str) -> None:
    trace_row = ROWS[name]
    manifest = job_manifest(
        trace_row, "ns", "r", 50, scheduler_shape("kueue", None, pool_sizes(SPEC))
    )
    flavors = admissible_flavors(manifest["spec"]["template"]["spec"])
    assert flavors, f"{name}: no flavor admits it"
    assert set(flavors) <= runnable_pools(trace_row), f"{name}: admissible on {flavors}"


def test_every_job_of_the_bench_trace_fits_every_flavor_it_may_be_admitted_to() -> None:
    rows = generate(SPEC, "big-job-mix", Sizing(jobs=2000, span_s=14_400, load=3.0, seed=1))
    shape = scheduler_shape("kueue", None, pool_sizes(SPEC))
    misplaced = []
    for trace_row in rows:
        pod = job_manifest(trace_row, "ns", "r", 50, shape)["spec"]["template"]["spec"]
        flavors = set(admissible_flavors(pod))
        if not flavors or not flavors <= runnable_pools(trace_row):
            misplaced.append((trace_row.job, sorted(flavors), sorted(runnable_pools(trace_row))))
    assert misplaced == []
    # The trace has jobs that only some pools can hold, so the check above bites.
    assert any(runnable_pools(r) != set(SPEC.pools) for r in rows if r.pool is None)


def test_the_default_scheduler_and_kai_get_no_pool_list() -> None:
    for scheduler in ("default", "kai"):
        pod = job_manifest(ROWS["8 GPUs, any pool"], "ns", "r", 50, scheduler_shape(scheduler))
        assert "affinity" not in pod["spec"]["template"]["spec"]
