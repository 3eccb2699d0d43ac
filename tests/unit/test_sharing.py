"""GPU sharing under the engine's mocks: the Node resources carry the sharing labels, the
operator's release is told the counts it writes, and the status holds no GPU resource
(docs/fleet.md, "GPU sharing")."""

from typing import Any

from lab.mocks import Deploy, spec_from

NODE = "kubernetes:core/v1:Node"
RELEASE = "kubernetes:helm.sh/v3:Release"
POOL_NODES = "pulumi-python:dynamic/gpu-fleet:PoolNodes"
CONFIG: dict[str, Any] = {
    "cluster": {"mode": "kind", "name": "lab"},
    "pools": {
        "h100": {
            "nodes": 2,
            "gpusPerNode": 8,
            "product": "NVIDIA-H100-80GB-HBM3",
            "sharing": {"mig": {"strategy": "mixed", "profiles": {"3g.40gb": 2}}},
        },
        "l4": {
            "nodes": 1,
            "gpusPerNode": 2,
            "product": "NVIDIA-L4",
            "sharing": {"timeSlicing": {"replicas": 8}},
        },
    },
}


def test_node_resources_carry_the_sharing_labels_and_no_gpu_status(deploy: Deploy) -> None:
    nodes = {r.name: r.inputs for r in deploy(spec_from(CONFIG)).of_type(NODE)}
    assert sorted(nodes) == ["kwok-gpu-h100-0", "kwok-gpu-h100-1", "kwok-gpu-l4-0"]
    h100 = nodes["kwok-gpu-h100-1"]["metadata"]["labels"]
    assert h100["nvidia.com/mig.strategy"] == "mixed"
    assert h100["nvidia.com/mig-3g.40gb.count"] == "16"
    assert h100["nvidia.com/mig-3g.40gb.memory"] == str(81559 // 2)
    l4 = nodes["kwok-gpu-l4-0"]["metadata"]["labels"]
    assert l4["nvidia.com/gpu.product"] == "NVIDIA-L4-SHARED"
    assert (l4["nvidia.com/gpu.replicas"], l4["nvidia.com/gpu.sharing-strategy"]) == (
        "8",
        "time-slicing",
    )
    for node in nodes.values():
        for field in ("capacity", "allocatable"):
            assert set(node["status"][field]) == {"cpu", "memory", "pods"}


def test_the_release_tells_the_operator_what_each_node_advertises(deploy: Deploy) -> None:
    (release,) = deploy(spec_from(CONFIG)).of_type(RELEASE)
    topology = release.inputs["values"]["topology"]
    assert topology["migStrategy"] == "mixed"
    assert topology["nodePools"] == {
        "h100": {
            "gpuCount": 0,
            "gpuProduct": "NVIDIA-H100-80GB-HBM3",
            "gpuMemory": 81559,
            "otherDevices": [{"name": "nvidia.com/mig-3g.40gb", "count": 16}],
        },
        "l4": {"gpuCount": 16, "gpuProduct": "NVIDIA-L4-SHARED", "gpuMemory": 23034},
    }


def test_a_per_pool_resource_stamps_its_nodes_with_the_same_labels(deploy: Deploy) -> None:
    deployment = deploy(spec_from({**CONFIG, "nodeResources": "perPool"}))
    pools = {r.name: r.inputs for r in deployment.of_type(POOL_NODES)}
    labels = pools["h100-nodes"]["node"]["metadata"]["labels"]
    assert labels["nvidia.com/mig-3g.40gb.count"] == "16"
    assert pools["l4-nodes"]["node"]["metadata"]["labels"]["nvidia.com/gpu.replicas"] == "8"
