"""How the lab configures the schedulers' controllers it runs on the host."""

from typing import Any

from benchmarks.replay import JOB_SYNCS
from benchmarks.schedulers import KUEUE_TUNING
from lab.kueue_host import LAB_TUNING, tuned

# Part of the configuration Kueue's chart (0.17.0) puts in the manager's ConfigMap.
CHART_CONFIG: dict[str, Any] = {
    "apiVersion": "config.kueue.x-k8s.io/v1beta2",
    "kind": "Configuration",
    "controller": {
        "groupKindConcurrency": {
            "Job.batch": 5,
            "Pod": 5,
            "Workload.kueue.x-k8s.io": 5,
            "LocalQueue.kueue.x-k8s.io": 1,
            "ClusterQueue.kueue.x-k8s.io": 1,
            "ResourceFlavor.kueue.x-k8s.io": 1,
        }
    },
    "integrations": {"frameworks": ["batch/job"]},
}


def test_kueue_releases_the_quota_of_a_workload_whose_pods_do_not_start() -> None:
    config = tuned(CHART_CONFIG, LAB_TUNING)
    assert config["waitForPodsReady"]["timeout"] == "60s"
    assert config["waitForPodsReady"]["blockAdmission"] is False
    strategy = config["waitForPodsReady"]["requeuingStrategy"]
    assert (strategy["backoffBaseSeconds"], strategy["backoffMaxSeconds"]) == (10, 60)
    assert config["fairSharing"]["preemptionStrategies"] == [
        "LessThanOrEqualToFinalShare",
        "LessThanInitialShare",
    ]
    # The chart's own settings stay, its reconcile concurrency included.
    assert config["controller"] == CHART_CONFIG["controller"]
    assert config["integrations"] == CHART_CONFIG["integrations"]
    assert "waitForPodsReady" not in CHART_CONFIG


def test_the_bench_runs_kueues_job_reconcilers_as_concurrent_as_the_job_controller() -> None:
    concurrency = tuned(CHART_CONFIG, KUEUE_TUNING)["controller"]["groupKindConcurrency"]
    assert CHART_CONFIG["controller"]["groupKindConcurrency"]["Job.batch"] == 5
    assert JOB_SYNCS == 50
    assert concurrency["Job.batch"] == concurrency["Pod"] == JOB_SYNCS
    assert concurrency["Workload.kueue.x-k8s.io"] == JOB_SYNCS
    assert concurrency["ClusterQueue.kueue.x-k8s.io"] == 1
