"""The schedulers' Topology objects and the topology demo: derived from the pool's one
declaration, predicted step by step, and printed by `fleet expect`."""

import copy
import json
from typing import Any

import pytest

from fleet.cli import main
from fleet.schedulers.objects import queue_objects
from fleet.schedulers.scenarios import ScenarioProblem
from fleet.schedulers.topology_scenarios import Placement, TopologyScenario, plan_topology
from fleet.schedulers.workloads import job_objects
from fleet.stack.load import load_stack_file, parse_fleet
from fleet.stack.spec import FleetSpec
from tests.paths import STACKS_DIR

TOPOLOGY_FILE = STACKS_DIR / "Pulumi.lesson-topology.yaml"
KUEUE = load_stack_file(TOPOLOGY_FILE)
KAI = KUEUE.model_copy(update={"scheduler": "kai"})
LEVELS = [
    {"nodeLabel": "cloud.provider.com/topology-block"},
    {"nodeLabel": "cloud.provider.com/topology-rack"},
    {"nodeLabel": "kubernetes.io/hostname"},
]


def config() -> dict[str, Any]:
    return {
        "cluster": {"mode": "kind"},
        "pools": {
            "gb200": {
                "nodes": 16,
                "gpusPerNode": 4,
                "product": "NVIDIA-GB200",
                "topology": {"nodesPerRack": 4, "racksPerBlock": 2},
            },
            "a100": {"nodes": 2, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"},
        },
        "scheduler": "kueue",
        "teams": {"train": {"quota": {"gb200": 64, "a100": 16}}},
    }


def spec_from(document: dict[str, Any]) -> FleetSpec:
    return parse_fleet(copy.deepcopy(document), "test.yaml")


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def test_kueue_gets_a_topology_per_pool_and_its_flavor_names_it() -> None:
    objects = queue_objects(spec_from(config()))
    topologies = by_kind(objects, "Topology")
    assert list(topologies) == ["gb200"]
    assert topologies["gb200"]["apiVersion"] == "kueue.x-k8s.io/v1beta2"
    assert topologies["gb200"]["spec"] == {"levels": LEVELS}
    flavors = by_kind(objects, "ResourceFlavor")
    assert flavors["gb200"]["spec"]["topologyName"] == "gb200"
    assert "topologyName" not in flavors["a100"]["spec"]
    # The Topology exists before the flavor that names it.
    kinds = [o["kind"] for o in objects]
    assert kinds.index("Topology") < kinds.index("ResourceFlavor")


def test_kai_gets_the_same_levels() -> None:
    objects = queue_objects(KAI)
    (topology,) = by_kind(objects, "Topology").values()
    assert topology["apiVersion"] == "kai.scheduler/v1alpha1"
    assert topology["metadata"]["name"] == "gb200"
    assert topology["spec"] == {"levels": LEVELS}
    assert objects[0]["kind"] == "Topology"


def test_a_pool_without_blocks_has_two_levels_and_its_own_labels() -> None:
    document = config()
    document["pools"]["gb200"]["topology"] = {
        "nodesPerRack": 4,
        "levels": {"rack": "cloud.google.com/gce-topology-subblock"},
    }
    (topology,) = by_kind(queue_objects(spec_from(document)), "Topology").values()
    assert topology["spec"]["levels"] == [
        {"nodeLabel": "cloud.google.com/gce-topology-subblock"},
        {"nodeLabel": "kubernetes.io/hostname"},
    ]


def test_lesson_topology_scenarios_step_by_step() -> None:
    scenarios = {s.name: s for s in plan_topology(KUEUE)}
    assert list(scenarios) == [
        "fits-in-rack",
        "across-racks-required",
        "across-racks-preferred",
        "fits-in-block",
        "waits-for-rack",
    ]

    def only(name: str) -> Placement:
        (placement,) = scenarios[name].steps[-1].expected
        return placement

    assert only("fits-in-rack") == Placement("rack", "running", 1, 1)
    assert only("across-racks-required") == Placement("wide", "refused")
    assert only("across-racks-preferred") == Placement("wide", "running", 2, 1)
    assert only("fits-in-block") == Placement("block", "running", 2, 1)
    fill, wait, drain = scenarios["waits-for-rack"].steps
    assert [p.state for p in fill.expected] == ["running"] * 4
    assert all(p.racks == 1 for p in fill.expected)
    assert (fill.free_gpus, fill.stranded_gpus) == (16, 0)
    assert wait.expected[-1] == Placement("pair", "waiting")
    # One node free in each of 4 racks: 16 GPUs free, none usable by the 8-GPU gang.
    assert (wait.free_gpus, wait.stranded_gpus) == (16, 16)
    assert drain.expected[-1] == Placement("pair", "running", 1, 1)
    assert (drain.free_gpus, drain.stranded_gpus) == (20, 0)


def test_a_refused_gang_waits_however_much_is_free() -> None:
    scenario = next(s for s in plan_topology(KUEUE) if s.name == "across-racks-required")
    (step,) = scenario.steps
    assert step.free_gpus == 64
    assert step.stranded_gpus == 0  # refused, not waiting for GPUs to free


def test_the_scenarios_follow_the_pools_shape() -> None:
    document = config()
    document["pools"]["gb200"] = {"nodes": 18, "gpusPerNode": 4, "product": "NVIDIA-GB200"}
    document["pools"]["gb200"]["topology"] = {"nodesPerRack": 6}
    document["teams"]["train"]["quota"]["gb200"] = 72
    scenarios = {s.name: s for s in plan_topology(spec_from(document))}
    assert "fits-in-block" not in scenarios  # no block level
    (job,) = scenarios["fits-in-rack"].jobs
    assert (job.pods, job.gpus_per_pod) == (6, 4)
    assert len(scenarios["waits-for-rack"].steps[0].submit) == 3


@pytest.mark.parametrize(
    ("change", "needs"),
    [
        ({"scheduler": "default", "teams": {}}, "needs gpu-fleet:scheduler kueue or kai"),
        ({"teams": {"train": {"quota": {"gb200": 32}}}}, "whose quota holds all of pool"),
    ],
)
def test_a_stack_that_cannot_stage_the_demo_is_told_why(change: dict[str, Any], needs: str) -> None:
    document = config()
    document.update(change)
    with pytest.raises(ScenarioProblem, match=needs):
        plan_topology(spec_from(document))


def test_racks_too_small_for_the_demo_are_named() -> None:
    document = config()
    document["pools"]["gb200"]["topology"] = {"nodesPerRack": 2}
    with pytest.raises(ScenarioProblem, match="at least two racks of at least three nodes"):
        plan_topology(spec_from(document))


def pods(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == "Pod"]


def scenario(spec: FleetSpec, name: str) -> TopologyScenario:
    return next(s for s in plan_topology(spec) if s.name == name)


def test_kueue_pods_carry_the_level_they_require_or_prefer() -> None:
    (required,) = scenario(KUEUE, "across-racks-required").jobs
    (preferred,) = scenario(KUEUE, "across-racks-preferred").jobs
    (block,) = scenario(KUEUE, "fits-in-block").jobs
    for pod in pods(job_objects(KUEUE, required)):
        annotations = pod["metadata"]["annotations"]
        assert annotations["kueue.x-k8s.io/podset-required-topology"] == (
            "cloud.provider.com/topology-rack"
        )
        assert "kueue.x-k8s.io/podset-preferred-topology" not in annotations
        assert pod["spec"]["nodeSelector"] == {"gpu-pool": "gb200"}
    (pod, *_) = pods(job_objects(KUEUE, preferred))
    assert pod["metadata"]["annotations"]["kueue.x-k8s.io/podset-preferred-topology"] == (
        "cloud.provider.com/topology-rack"
    )
    (pod, *_) = pods(job_objects(KUEUE, block))
    assert pod["metadata"]["annotations"]["kueue.x-k8s.io/podset-required-topology"] == (
        "cloud.provider.com/topology-block"
    )


def test_kai_pod_groups_name_the_topology_and_level() -> None:
    (required,) = scenario(KAI, "across-racks-required").jobs
    (preferred,) = scenario(KAI, "across-racks-preferred").jobs
    group, *rest = job_objects(KAI, required)
    assert group["kind"] == "PodGroup"
    assert group["spec"]["topologyConstraint"] == {
        "topology": "gb200",
        "requiredTopologyLevel": "cloud.provider.com/topology-rack",
    }
    assert len(rest) == 5
    group, *_ = job_objects(KAI, preferred)
    assert group["spec"]["topologyConstraint"] == {
        "topology": "gb200",
        "preferredTopologyLevel": "cloud.provider.com/topology-rack",
    }


def test_jobs_without_topology_are_unchanged() -> None:
    lesson1 = load_stack_file(STACKS_DIR / "Pulumi.lesson1-kai.yaml")
    assert not by_kind(queue_objects(lesson1), "Topology")
    text = json.dumps(queue_objects(load_stack_file(STACKS_DIR / "Pulumi.lesson1-kueue.yaml")))
    assert "topologyName" not in text


def test_fleet_expect_prints_the_topology_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["expect", str(TOPOLOGY_FILE)]) == 0
    out = capsys.readouterr().out
    for name in ("fits-in-rack", "across-racks-required", "across-racks-preferred"):
        assert f"kueue topology scenario {name}:" in out
    assert "caveat: wide: 5 pods of 4 GPUs need 20 GPUs in one rack, and a rack has 16" in out
    assert main(["expect", "--json", str(TOPOLOGY_FILE)]) == 0
    document = json.loads(capsys.readouterr().out)
    waits = next(s for s in document["topologyScenarios"] if s["name"] == "waits-for-rack")
    assert waits["steps"][1]["strandedGpus"] == 16
    assert waits["steps"][1]["gangs"][-1] == {
        "job": "pair",
        "state": "waiting",
        "racks": 0,
        "blocks": 0,
    }


def test_fleet_expect_says_why_a_topology_stack_has_no_demo(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    text = TOPOLOGY_FILE.read_text().replace("quota: {gb200: 64}", "quota: {gb200: 32}")
    path = tmp_path / "Pulumi.half.yaml"
    path.write_text(text)
    assert main(["expect", str(path)]) == 0
    assert "caveat: no topology demo: the topology demo needs a team whose quota" in (
        capsys.readouterr().out
    )
