"""The scheduler a stack chooses: its Helm release, the teams' namespaces and queue objects
after it, and nothing of it for the default scheduler."""

from pathlib import Path
from typing import Any

import pytest

from fleet.schedulers.objects import scheduler_objects
from fleet.stack import versions
from lab.mocks import Deploy, Deployment, Registration, spec_from, stack

RELEASE = "kubernetes:helm.sh/v3:Release"
KIND = {"mode": "kind", "name": "lab"}
POOLS = {
    "a100": {"nodes": 2, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"},
    "h100": {"nodes": 1, "gpusPerNode": 8, "product": "NVIDIA-H100-80GB-HBM3"},
}
TEAMS = {
    "research": {"quota": {"a100": 8}, "borrowingLimit": 8, "priority": 100},
    "prod": {"quota": {"a100": 8, "NVIDIA-H100-80GB-HBM3": 8}, "priority": 1000},
}


def scheduler_release(deployment: Deployment) -> Registration:
    (release,) = [r for r in deployment.of_type(RELEASE) if r.name == "gpu-fleet-scheduler"]
    return release


def kinds(deployment: Deployment) -> list[tuple[str, str]]:
    component = next(r for r in deployment.registrations if r.type == "gpu-fleet:index:Scheduler")
    return [(r.type.rsplit(":", 1)[-1], r.name) for r in deployment.children_of(component)]


def test_the_default_scheduler_installs_nothing(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1"))
    assert not deployment.of_type("gpu-fleet:index:Scheduler")
    assert [r.name for r in deployment.of_type(RELEASE)] == ["gpu-fleet-operator"]


def test_kueue_is_the_pinned_chart_then_flavors_and_queues_per_team(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1-kueue"))
    inputs = scheduler_release(deployment).inputs
    assert inputs["chart"] == versions.KUEUE_OCI_CHART
    assert inputs["version"] == "0.17.0"
    assert (inputs["name"], inputs["namespace"], inputs["createNamespace"]) == (
        "kueue",
        "kueue-system",
        False,
    )
    # The namespaces are registered together (in any order), the rest one after another.
    assert {name for kind, name in kinds(deployment) if kind == "Namespace"} == {
        "kueue-system",
        "research",
        "prod",
    }
    assert [k for k in kinds(deployment) if k[0] != "Namespace"] == [
        ("Release", "gpu-fleet-scheduler"),
        ("ResourceFlavor", "a100"),
        ("ResourceFlavor", "h100"),
        ("ResourceFlavor", "l40s"),
        ("WorkloadPriorityClass", "research-priority"),
        ("ClusterQueue", "research"),
        ("LocalQueue", "research/research"),
        ("WorkloadPriorityClass", "prod-priority"),
        ("ClusterQueue", "prod"),
        ("LocalQueue", "prod/prod"),
    ]


def test_kai_is_the_pinned_chart_without_its_default_queues(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1-kai"))
    inputs = scheduler_release(deployment).inputs
    assert inputs["chart"] == versions.KAI_OCI_CHART
    assert inputs["version"] == "v0.17.0"
    assert inputs["namespace"] == "kai-scheduler"
    assert inputs["values"]["defaultQueue"] == {"createDefaultQueue": False}
    assert {name for kind, name in kinds(deployment) if kind == "Namespace"} == {
        "kai-scheduler",
        "kai-resource-reservation",
        "research",
        "prod",
    }
    assert [k for k in kinds(deployment) if k[0] != "Namespace"] == [
        ("Release", "gpu-fleet-scheduler"),
        ("Queue", "gpu-fleet"),
        ("Queue", "research"),
        ("Queue", "prod"),
    ]


def test_namespaces_precede_the_release_and_queues_follow_it_one_by_one(
    deploy: Deploy,
) -> None:
    """Destroy then deletes the release (and an APIService that may not answer) before
    the namespaces, which could not finish deleting while it is there."""
    deployment = deploy(stack("lesson1-kueue"))
    release = scheduler_release(deployment)
    component = next(r for r in deployment.of_type("gpu-fleet:index:Scheduler"))
    children = deployment.children_of(component)
    namespaces = [r for r in children if r.type == "kubernetes:core/v1:Namespace"]
    assert {n.name for n in namespaces} == {"kueue-system", "research", "prod"}
    assert all(n.urn in release.dependencies for n in namespaces)
    first, second = children[children.index(release) + 1 :][:2]
    assert (first.name, second.name) == ("a100", "h100")
    assert release.urn in first.dependencies
    assert first.urn in second.dependencies


def test_the_demo_follows_the_scheduler(deploy: Deploy) -> None:
    """Kueue's pod webhook sees the demo's pods: the demo is created after the scheduler."""
    spec = spec_from(
        {
            "cluster": KIND,
            "pools": POOLS,
            "scheduler": "kueue",
            "teams": TEAMS,
            "demo": {"enabled": True},
        }
    )
    deployment = deploy(spec)
    (demo,) = deployment.of_type("gpu-fleet:index:DemoWorkloads")
    assert scheduler_release(deployment).urn in demo.dependencies


def test_release_settings_and_extra_values(deploy: Deploy) -> None:
    spec = spec_from(
        {
            "cluster": KIND,
            "pools": POOLS,
            "scheduler": "kai",
            "teams": TEAMS,
            "schedulerRelease": {
                "chart": "./offline/kai-scheduler",
                "version": "v0.17.1",
                "namespace": "kai",
                "releaseName": "kai",
                "wait": False,
                "hooks": False,
                "values": {"defaultQueue": {"parentName": "x"}, "global": {"gpuSharing": True}},
            },
        }
    )
    inputs: dict[str, Any] = scheduler_release(deploy(spec)).inputs
    assert (inputs["chart"], inputs["version"], inputs["namespace"], inputs["name"]) == (
        "./offline/kai-scheduler",
        "v0.17.1",
        "kai",
        "kai",
    )
    assert (inputs["skipAwait"], inputs["disableWebhooks"]) == (True, True)
    assert inputs["values"] == {
        "defaultQueue": {"createDefaultQueue": False, "parentName": "x"},
        "global": {"gpuSharing": True, "resourceReservation": {"createNamespace": False}},
        # hooks: false, and uninstall would still run (and await) its post-delete Job
        "postCleanup": {"enabled": False},
        # nor would the post-install hook apply the Config the operator deploys from
        "kaiConfig": {"render": True},
        "kaiConfigDeployer": {"enabled": False},
    }


@pytest.mark.parametrize("scheduler", ["kueue", "kai"])
def test_a_scheduler_without_teams_installs_the_release_alone(
    deploy: Deploy, scheduler: str
) -> None:
    """A scheduler is installed before its teams are declared (the e2e tier does so)."""
    deployment = deploy(spec_from({"cluster": KIND, "pools": POOLS, "scheduler": scheduler}))
    namespaces = 2 if scheduler == "kai" else 1  # KAI's reservation namespace too
    assert [kind for kind, _ in kinds(deployment)] == ["Namespace"] * namespaces + ["Release"]


@pytest.mark.parametrize("name", ["lesson1-kueue", "lesson1-kai"])
def test_the_stack_sends_the_objects_fleet_manifests_prints(deploy: Deploy, name: str) -> None:
    spec = stack(name)
    deployment = deploy(spec)
    (component,) = deployment.of_type("gpu-fleet:index:Scheduler")
    release = scheduler_release(deployment)
    own = (release.inputs["namespace"], "kai-resource-reservation")
    sent = [
        r.inputs
        for r in deployment.children_of(component)
        if r.urn != release.urn and r.name not in own
    ]
    printed = scheduler_objects(spec)
    # The namespaces are registered together, in any order; the rest one after another.
    teams = len(spec.teams)

    def by_name(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(objects, key=lambda o: str(o["metadata"]["name"]))

    assert by_name(sent[:teams]) == by_name(printed[:teams])
    assert sent[teams:] == printed[teams:]


def test_a_local_charts_crds_are_applied_by_the_program(deploy: Deploy, tmp_path: Path) -> None:
    """Helm never deletes a chart's crds/; applied by the program, destroy removes them."""
    chart = tmp_path / "kai-scheduler"
    (chart / "crds").mkdir(parents=True)
    for name in ("queues", "podgroups"):
        (chart / "crds" / f"{name}.yaml").write_text("kind: CustomResourceDefinition\n")
    spec = spec_from(
        {
            "cluster": KIND,
            "pools": POOLS,
            "scheduler": "kai",
            "teams": TEAMS,
            "schedulerRelease": {"chart": str(chart)},
        }
    )
    deployment = deploy(spec)
    crds = [c for c in deployment.of_type("kubernetes:yaml/v2:ConfigFile") if "crd" in c.name]
    # Sorted: the mocks register resources from concurrent tasks, in no fixed order.
    assert sorted((c.name, c.inputs["file"]) for c in crds) == [
        ("gpu-fleet-scheduler-crd-podgroups", str(chart / "crds" / "podgroups.yaml")),
        ("gpu-fleet-scheduler-crd-queues", str(chart / "crds" / "queues.yaml")),
    ]
    release = scheduler_release(deployment)
    assert release.inputs["skipCrds"] is True
    assert all(c.urn in release.dependencies for c in crds)


def test_an_oci_charts_crds_stay_with_helm(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1-kai"))
    files = [c.name for c in deployment.of_type("kubernetes:yaml/v2:ConfigFile")]
    assert files == ["gpu-fleet-kwok-0", "gpu-fleet-kwok-1"]
    assert not scheduler_release(deployment).inputs.get("skipCrds")


def test_the_scheduler_follows_the_operator(deploy: Deploy) -> None:
    """Kueue's webhooks would refuse the operator's Deployments until its manager serves."""
    deployment = deploy(stack("lesson1-kueue"))
    (operator,) = [r for r in deployment.of_type(RELEASE) if r.name == "gpu-fleet-operator"]
    component = next(iter(deployment.of_type("gpu-fleet:index:Scheduler")))
    first = deployment.children_of(component)[0]
    assert operator.urn in first.dependencies
    assert operator.urn in scheduler_release(deployment).dependencies


@pytest.mark.parametrize(
    ("scheduler", "api_version"),
    [("kueue", "kueue.x-k8s.io/v1beta2"), ("kai", "kai.scheduler/v1alpha1")],
)
def test_a_topology_pool_gets_the_schedulers_topology_first(
    deploy: Deploy, scheduler: str, api_version: str
) -> None:
    spec = stack("lesson-topology").model_copy(update={"scheduler": scheduler})
    deployment = deploy(spec)
    queued = [k for k in kinds(deployment) if k[0] not in ("Namespace", "Release")]
    assert queued[0] == ("Topology", "gb200")
    (topology,) = deployment.of_type(f"kubernetes:{api_version}:Topology")
    assert [level["nodeLabel"] for level in topology.inputs["spec"]["levels"]] == [
        "cloud.provider.com/topology-block",
        "cloud.provider.com/topology-rack",
        "kubernetes.io/hostname",
    ]
    if scheduler == "kueue":
        (flavor,) = deployment.of_type(f"kubernetes:{api_version}:ResourceFlavor")
        assert flavor.inputs["spec"]["topologyName"] == "gb200"
    # The nodes the engine is asked for carry their racks.
    node = deployment.named("kwok-gpu-gb200-13")
    assert node.inputs["metadata"]["labels"]["cloud.provider.com/topology-rack"] == "gb200-rack3"
