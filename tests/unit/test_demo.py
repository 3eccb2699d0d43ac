"""The demo workloads as registered: shapes, tolerations, awaiting, order."""

import itertools
from typing import Any

from fleet.render.objects import stack_objects
from lab.mocks import MOCK_OWNER, Deploy, Deployment, spec_from, stack

SKIP_AWAIT = "pulumi.com/skipAwait"
KWOK_TOLERATION = {
    "key": "kwok.x-k8s.io/node",
    "operator": "Equal",
    "value": "fake",
    "effect": "NoSchedule",
}


def demo(deployment: Deployment) -> list[dict[str, Any]]:
    (component,) = deployment.of_type("gpu-fleet:index:DemoWorkloads")
    return [r.inputs for r in deployment.children_of(component)]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]
    return spec["template"]["spec"] if obj["kind"] == "Deployment" else spec


def test_lesson1_demo_is_a_namespace_and_four_workloads(deploy: Deploy) -> None:
    objects = demo(deploy(stack("lesson1")))
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("Namespace", "gpu-demo"),
        ("Pod", "cuda-batch-small"),
        ("Pod", "cuda-train-16gpu"),
        ("Pod", "cuda-needs-b200"),
        ("Deployment", "queue-pressure"),
    ]
    small, oversized, missing, queue = objects[1:]
    gpus = [
        pod_spec(o)["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] for o in objects[1:]
    ]
    assert gpus == ["1", "16", "1", "1"]
    assert pod_spec(small)["nodeSelector"] == {"gpu-pool": "a100"}
    assert pod_spec(missing)["nodeSelector"] == {"gpu-pool": "b200"}
    assert "nodeSelector" not in pod_spec(oversized)
    assert queue["spec"]["replicas"] == 40


def test_every_workload_tolerates_the_fake_node_taint(deploy: Deploy) -> None:
    for obj in demo(deploy(stack("lesson1")))[1:]:
        assert KWOK_TOLERATION in pod_spec(obj)["tolerations"], obj["metadata"]["name"]


def test_awaiting_is_off_exactly_for_the_workloads_meant_to_pend(deploy: Deploy) -> None:
    objects = demo(deploy(stack("lesson1")))[1:]
    skipped = {
        o["metadata"]["name"]
        for o in objects
        if o["metadata"].get("annotations", {}).get(SKIP_AWAIT) == "true"
    }
    assert skipped == {"cuda-train-16gpu", "cuda-needs-b200", "queue-pressure"}


def test_workloads_are_created_one_after_another_after_the_operator(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1"))
    (component,) = deployment.of_type("gpu-fleet:index:DemoWorkloads")
    (release,) = deployment.of_type("kubernetes:helm.sh/v3:Release")
    children = deployment.children_of(component)
    assert release.urn in children[0].dependencies
    for before, after in itertools.pairwise(children):
        assert before.urn in after.dependencies, after.name


def test_the_stack_sends_exactly_what_fleet_manifests_prints(deploy: Deploy) -> None:
    spec = stack("lesson1")
    deployment = deploy(spec)
    sent = {
        (r.inputs["kind"], r.inputs["metadata"]["name"]): r.inputs
        for r in deployment.registrations
        if r.type.split(":")[1] in ("core/v1", "apps/v1", "kwok.x-k8s.io/v1alpha1")
    }
    printed = {(o["kind"], o["metadata"]["name"]): o for o in stack_objects(spec, MOCK_OWNER)}
    # KWOK's job-complete Stage, 5 nodes, the operator's namespace, the demo's 5 objects
    assert len(printed) == 12
    assert sent == printed


def test_no_demo_unless_enabled(deploy: Deploy) -> None:
    deployment = deploy(stack("medium"))
    assert deployment.of_type("gpu-fleet:index:DemoWorkloads") == []
    assert deployment.of_type("kubernetes:core/v1:Pod") == []


def test_demo_size_follows_the_fleet(deploy: Deploy) -> None:
    spec = spec_from(
        {
            "cluster": {"mode": "kind"},
            "pools": {"h200": {"nodes": 3, "gpusPerNode": 4, "product": "NVIDIA-H200"}},
            "demo": {"enabled": True},
        }
    )
    objects = {o["metadata"]["name"]: o for o in demo(deploy(spec))}
    assert objects["queue-pressure"]["spec"]["replicas"] == 12 + 8
    oversized = pod_spec(objects["cuda-train-16gpu"])["containers"][0]["resources"]["limits"]
    assert oversized == {"nvidia.com/gpu": "8"}
    assert pod_spec(objects["cuda-batch-small"])["nodeSelector"] == {"gpu-pool": "h200"}
