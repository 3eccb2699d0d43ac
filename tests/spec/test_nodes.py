"""Fake nodes exactly as docs/fleet.md describes them."""

from fleet.render.nodes import GPU_RESOURCE, fleet_nodes, node_template, template_digest
from fleet.stack.load import load_stack_file
from fleet.stack.owner import StackOwner, owner_of_stack_file
from fleet.stack.spec import FleetSpec
from tests.paths import LESSON1_OWNER, STACKS_DIR


def test_a100_node_is_the_reference_node(lesson1: FleetSpec) -> None:
    node = next(iter(fleet_nodes(lesson1, LESSON1_OWNER)))
    digest = template_digest(node_template("a100", lesson1.pools["a100"], LESSON1_OWNER))
    assert node["metadata"] == {
        "name": "kwok-gpu-a100-0",
        "annotations": {
            "kwok.x-k8s.io/node": "fake",
            "node.alpha.kubernetes.io/ttl": "0",
            "gpu-fleet.dev/template": digest,
        },
        "labels": {
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/os": "linux",
            "kubernetes.io/hostname": "kwok-gpu-a100-0",
            "node-role.kubernetes.io/gpu-worker": "",
            "type": "kwok",
            "gpu-pool": "a100",
            "run.ai/simulated-gpu-node-pool": "a100",
            "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB",
            "gpu-fleet.dev/stack": "gpu-fleet.lesson1",
            "gpu-fleet.dev/pool": "a100",
            "gpu-fleet.dev/kwok-shard": "0",
        },
    }
    assert node["spec"] == {
        "taints": [{"key": "kwok.x-k8s.io/node", "value": "fake", "effect": "NoSchedule"}]
    }
    status = node["status"]
    expected = {"cpu": "96", "memory": "1024Gi", "pods": "110"}
    assert status["allocatable"] == expected
    assert status["capacity"] == expected
    info = status["nodeInfo"]
    assert (info["architecture"], info["operatingSystem"]) == ("amd64", "linux")
    assert info["kubeletVersion"] == info["kubeProxyVersion"] == "fake"
    assert info["containerRuntimeVersion"] == "fake"


def test_program_never_writes_gpu_capacity(lesson1: FleetSpec) -> None:
    for node in fleet_nodes(lesson1, LESSON1_OWNER):
        for field in ("allocatable", "capacity"):
            assert GPU_RESOURCE not in node["status"][field]


def test_pool_resources_follow_the_pool() -> None:
    spec = load_stack_file(STACKS_DIR / "Pulumi.medium.yaml")
    by_pool = {
        node["metadata"]["labels"]["gpu-pool"]: node for node in fleet_nodes(spec, LESSON1_OWNER)
    }
    assert by_pool["h100"]["status"]["capacity"] == {
        "cpu": "128",
        "memory": "1536Gi",
        "pods": "110",
    }
    assert by_pool["l40s"]["status"]["allocatable"]["memory"] == "512Gi"


def test_node_names_are_unique_and_indexed_from_zero() -> None:
    spec = load_stack_file(STACKS_DIR / "Pulumi.large-1k.yaml")
    names = [node["metadata"]["name"] for node in fleet_nodes(spec, LESSON1_OWNER)]
    assert len(names) == len(set(names)) == 1000
    assert names[0] == "kwok-gpu-a100-0"
    assert names[-1] == "kwok-gpu-l40s-399"


def test_the_template_digest_follows_the_content_and_nothing_else(lesson1: FleetSpec) -> None:
    a100 = lesson1.pools["a100"]
    digest = template_digest(node_template("a100", a100, LESSON1_OWNER))
    assert len(digest) == 16
    assert digest == template_digest(node_template("a100", a100, LESSON1_OWNER))
    bigger = a100.model_copy(update={"cpu": 128})
    assert digest != template_digest(node_template("a100", bigger, LESSON1_OWNER))
    other = StackOwner("gpu-fleet", "other")
    assert digest != template_digest(node_template("a100", a100, other))


def test_a_stack_name_that_is_no_label_value_still_gives_one() -> None:
    assert StackOwner("gpu-fleet", "dev").label == "gpu-fleet.dev"
    long = StackOwner("gpu-fleet", "x" * 80).label
    assert len(long) <= 63
    assert long != StackOwner("gpu-fleet", "x" * 81).label
    assert owner_of_stack_file("stacks/Pulumi.large-1k.yaml").label == "gpu-fleet.large-1k"
