"""The Jobs a replay creates and the KWOK Stage that ends their pods: valid objects, with the
placement, GPUs, delay and scheduler a row and a replay ask for."""

import re

import kubernetes_validate
import pytest

from fleet.render.kwok import DELAY_ANNOTATION, JOB_COMPLETE_STAGE, job_complete_stage
from fleet.replay.jobs import JobShape, delay, job_manifest, priority_class, scheduler_shape
from fleet.stack import versions
from fleet.stack.spec import SchedulerName
from fleet.trace.model import TraceRow

# A Go duration as time.ParseDuration reads it (KWOK parses the annotation so).
GO_DURATION = re.compile(r"^[0-9]+(\.[0-9]+)?s$")


def job(**fields: object) -> TraceRow:
    return TraceRow.model_validate(
        {"arrival_s": 0, "job": "train-1", "gpus_per_pod": 4, "duration_s": 600, **fields}
    )


@pytest.mark.parametrize(
    "row",
    [job(pool="h100", pods=3, priority=5), job(products=["NVIDIA-L4", "Tesla-T4"]), job()],
    ids=["pool", "products", "any"],
)
def test_a_job_is_valid_for_kubernetes_1_36(row: TraceRow) -> None:
    manifest = job_manifest(row, "gpu-replay", "r1", 60, JobShape())
    assert kubernetes_validate.validate(manifest, versions.KUBERNETES_VERSION, strict=True)


def test_a_job_asks_for_whole_gpus_where_its_row_says_and_ends_after_its_duration() -> None:
    manifest = job_manifest(job(pool="h100", pods=3), "gpu-replay", "r1", 60, JobShape())
    spec = manifest["spec"]
    assert (spec["parallelism"], spec["completions"], spec["completionMode"]) == (3, 3, "Indexed")
    pod = spec["template"]["spec"]
    assert pod["nodeSelector"] == {"gpu-pool": "h100"}
    assert pod["containers"][0]["resources"] == {"limits": {"nvidia.com/gpu": "4"}}
    assert pod["tolerations"][0]["key"] == "kwok.x-k8s.io/node"
    assert "schedulerName" not in pod
    assert not spec["suspend"]
    annotations = spec["template"]["metadata"]["annotations"]
    assert annotations == {DELAY_ANNOTATION: "10.000s"}  # 600 trace seconds at 60x
    assert GO_DURATION.match(delay(job(duration_s=1.5), 7))
    labels = spec["template"]["metadata"]["labels"]
    assert labels == {"gpu-fleet.dev/replay": "r1", "gpu-fleet.dev/trace-job": "train-1"}


def test_products_become_a_required_node_affinity() -> None:
    pod = job_manifest(job(products=["A", "B"]), "ns", "r", 1, JobShape())["spec"]["template"]
    terms = pod["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    assert terms["nodeSelectorTerms"] == [
        {
            "matchExpressions": [
                {"key": "nvidia.com/gpu.product", "operator": "In", "values": ["A", "B"]}
            ]
        }
    ]


def test_the_shape_is_the_seam_for_another_scheduler() -> None:
    shape = JobShape(
        scheduler_name="kai-scheduler",
        job_labels={"kueue.x-k8s.io/queue-name": "team-a"},
        job_annotations={"note": "x"},
        suspend=True,
    )
    manifest = job_manifest(job(priority=-2), "ns", "r", 60, shape)
    assert manifest["metadata"]["labels"]["kueue.x-k8s.io/queue-name"] == "team-a"
    assert manifest["metadata"]["annotations"] == {"note": "x"}
    assert manifest["spec"]["suspend"] is True
    pod = manifest["spec"]["template"]["spec"]
    assert pod["schedulerName"] == "kai-scheduler"
    assert pod["priorityClassName"] == priority_class(-2, "r")["metadata"]["name"]
    assert kubernetes_validate.validate(priority_class(-2, "r"), versions.KUBERNETES_VERSION)
    assert priority_class(-2, "r")["preemptionPolicy"] == "Never"


def test_the_stage_finishes_only_annotated_job_pods_and_outweighs_the_release_stage() -> None:
    stage = job_complete_stage()
    assert stage["metadata"]["name"] == JOB_COMPLETE_STAGE != "pod-complete"
    spec = stage["spec"]
    keys = {e["key"]: e for e in spec["selector"]["matchExpressions"]}
    assert keys[f'.metadata.annotations["{DELAY_ANNOTATION}"]']["operator"] == "Exists"
    assert keys[".metadata.ownerReferences.[].kind"]["values"] == ["Job"]
    assert keys[".status.phase"]["values"] == ["Running"]
    # KWOK picks among matching stages by weight; the release's pod-complete has none (0).
    assert spec["weight"] == 1
    assert spec["delay"]["durationFrom"] == {
        "expressionFrom": f'.metadata.annotations["{DELAY_ANNOTATION}"]'
    }
    assert "jitterDurationMilliseconds" not in spec["delay"]
    assert "phase: Succeeded" in spec["next"]["statusTemplate"]


@pytest.mark.parametrize("scheduler", ["default", "kueue", "kai"])
def test_a_team_job_is_valid_and_runs_in_the_teams_namespace(scheduler: SchedulerName) -> None:
    manifest = job_manifest(
        job(team="research", pods=4), "gpu-replay", "r", 60, scheduler_shape(scheduler)
    )
    assert manifest["metadata"]["namespace"] == "research"
    assert kubernetes_validate.validate(manifest, versions.KUBERNETES_VERSION, strict=True)
    # A pod evicted to preempt or reclaim is replaced, not the end of the job.
    (rule,) = manifest["spec"]["podFailurePolicy"]["rules"]
    assert rule == {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}


def test_kueue_takes_a_suspended_job_of_the_teams_local_queue_and_priority() -> None:
    manifest = job_manifest(job(team="prod"), "gpu-replay", "r", 60, scheduler_shape("kueue"))
    labels = manifest["metadata"]["labels"]
    assert labels["kueue.x-k8s.io/queue-name"] == "prod"
    assert labels["kueue.x-k8s.io/priority-class"] == "prod-priority"
    assert manifest["spec"]["suspend"] is True
    assert "schedulerName" not in manifest["spec"]["template"]["spec"]


def test_kai_takes_a_job_of_the_teams_queue_as_one_gang_of_all_its_pods() -> None:
    manifest = job_manifest(job(team="prod", pods=3), "ns", "r", 60, scheduler_shape("kai"))
    assert manifest["metadata"]["labels"]["kai.scheduler/queue"] == "prod"
    assert manifest["metadata"]["annotations"] == {"kai.scheduler/batch-min-member": "3"}
    assert manifest["spec"]["template"]["spec"]["schedulerName"] == "kai-scheduler"
    assert manifest["spec"]["suspend"] is False
    renamed = job_manifest(job(team="prod"), "ns", "r", 60, scheduler_shape("kai", "other"))
    assert renamed["spec"]["template"]["spec"]["schedulerName"] == "other"


def test_the_default_scheduler_and_a_job_without_team_get_no_queue() -> None:
    plain = job_manifest(job(team="prod"), "ns", "r", 60, scheduler_shape("default"))
    assert set(plain["metadata"]["labels"]) == {"gpu-fleet.dev/replay", "gpu-fleet.dev/trace-job"}
    assert "annotations" not in plain["metadata"]
    teamless = job_manifest(job(), "gpu-replay", "r", 60, scheduler_shape("kueue"))
    assert teamless["metadata"]["namespace"] == "gpu-replay"
    assert "kueue.x-k8s.io/queue-name" not in teamless["metadata"]["labels"]
