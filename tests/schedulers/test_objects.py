"""Kueue's and KAI's objects as the lesson-1 scheduler stacks derive them from pools and teams."""

from typing import Any

from fleet.schedulers import kai, kueue
from fleet.schedulers.objects import scheduler_objects
from fleet.stack.load import load_stack_file
from fleet.stack.spec import FleetSpec
from tests.paths import STACKS_DIR

KUEUE = load_stack_file(STACKS_DIR / "Pulumi.lesson1-kueue.yaml")
KAI = load_stack_file(STACKS_DIR / "Pulumi.lesson1-kai.yaml")


def by_kind(spec: FleetSpec, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in scheduler_objects(spec) if o["kind"] == kind}


def test_a_flavor_per_pool_selects_its_nodes_by_pool_and_product() -> None:
    flavors = by_kind(KUEUE, "ResourceFlavor")
    product = "nvidia.com/gpu.product"
    assert {name: f["spec"] for name, f in flavors.items()} == {
        "a100": {"nodeLabels": {"gpu-pool": "a100", product: "NVIDIA-A100-SXM4-80GB"}},
        "h100": {"nodeLabels": {"gpu-pool": "h100", product: "NVIDIA-H100-80GB-HBM3"}},
        "l40s": {"nodeLabels": {"gpu-pool": "l40s", product: "NVIDIA-L40S"}},
    }


def test_cluster_queues_share_a_cohort_with_each_teams_quota_per_pool() -> None:
    queues = by_kind(KUEUE, "ClusterQueue")
    research = queues["research"]["spec"]
    assert research["cohortName"] == "gpu-fleet"
    assert research["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "research"}
    }
    (group,) = research["resourceGroups"]
    assert group["coveredResources"] == ["nvidia.com/gpu"]
    assert {f["name"]: f["resources"] for f in group["flavors"]} == {
        "a100": [{"name": "nvidia.com/gpu", "nominalQuota": "8", "borrowingLimit": "8"}],
        "h100": [{"name": "nvidia.com/gpu", "nominalQuota": "0", "borrowingLimit": "8"}],
        "l40s": [{"name": "nvidia.com/gpu", "nominalQuota": "0", "borrowingLimit": "8"}],
    }
    assert research["preemption"] == {
        "reclaimWithinCohort": "Any",
        "withinClusterQueue": "LowerPriority",
    }
    # prod's quota names the H100 product; it resolves to the pool; no borrowing limit.
    (prod,) = queues["prod"]["spec"]["resourceGroups"]
    assert {f["name"]: f["resources"][0] for f in prod["flavors"]} == {
        "a100": {"name": "nvidia.com/gpu", "nominalQuota": "8"},
        "h100": {"name": "nvidia.com/gpu", "nominalQuota": "8"},
        "l40s": {"name": "nvidia.com/gpu", "nominalQuota": "0"},
    }


def test_each_team_gets_its_namespace_local_queue_and_priority() -> None:
    namespaces = by_kind(KUEUE, "Namespace")
    assert set(namespaces) == {"research", "prod"}
    local = by_kind(KUEUE, "LocalQueue")
    assert local["research"]["metadata"]["namespace"] == "research"
    assert local["research"]["spec"] == {"clusterQueue": "research"}
    priorities = {name: p["value"] for name, p in by_kind(KUEUE, "WorkloadPriorityClass").items()}
    assert priorities == {"research-priority": 100, "prod-priority": 1000}
    assert kueue.job_labels("prod") == {
        "kueue.x-k8s.io/queue-name": "prod",
        "kueue.x-k8s.io/priority-class": "prod-priority",
    }


def test_kai_queues_sum_each_teams_quota_and_limit_it_by_borrowing() -> None:
    queues = by_kind(KAI, "Queue")
    assert list(queues) == ["gpu-fleet", "research", "prod"]
    assert queues["gpu-fleet"]["spec"]["resources"]["gpu"] == {
        "quota": 24,
        "limit": -1,
        "overQuotaWeight": 1,
    }
    research = queues["research"]["spec"]
    assert (research["parentQueue"], research["priority"]) == ("gpu-fleet", 100)
    assert research["resources"]["gpu"] == {"quota": 8, "limit": 16, "overQuotaWeight": 1}
    prod = queues["prod"]["spec"]
    assert prod["resources"]["gpu"] == {"quota": 16, "limit": -1, "overQuotaWeight": 1}
    assert prod["resources"]["cpu"] == {"quota": -1, "limit": -1, "overQuotaWeight": 1}
    assert kai.job_labels("prod") == {"kai.scheduler/queue": "prod"}


def test_the_default_scheduler_has_no_objects() -> None:
    assert scheduler_objects(load_stack_file(STACKS_DIR / "Pulumi.lesson1.yaml")) == []
