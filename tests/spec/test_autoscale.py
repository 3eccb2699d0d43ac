"""An autoscaled pool: its bounds and prices validated, and what Karpenter's KWOK provider is
given, derived from the pool alone (docs/fleet.md, "Autoscaling")."""

import copy
import json
from typing import Any

import pytest
import yaml

from fleet.autoscale.instance_types import instance_types, instance_types_config_map
from fleet.autoscale.node_pool import node_labels, node_pool
from fleet.autoscale.objects import autoscale_objects
from fleet.cli import main
from fleet.cluster.node_api import NodeMeta
from fleet.reconcile.ownership import Ownership
from fleet.render.nodes import fake_node
from fleet.stack.figures import summary_data
from fleet.stack.load import SpecError, load_stack_file, parse_fleet
from fleet.stack.owner import StackOwner
from fleet.stack.spec import FleetSpec
from tests.paths import LESSON1_FILE, ROOT

EXAMPLE = ROOT / "examples" / "Pulumi.autoscale.yaml"
OWNER = StackOwner("gpu-fleet", "autoscale")
A100 = {"gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"}
BASE: dict[str, Any] = {
    "cluster": {"mode": "existing", "context": "lab", "allowFakeNodes": True},
    "pools": {
        "a100": {**A100, "autoscale": {"min": 2, "max": 8, "prices": {"onDemand": 32.77}}},
        "h100": {"nodes": 1, "gpusPerNode": 8, "product": "NVIDIA-H100-80GB-HBM3"},
    },
}


def spec_with(**overrides: Any) -> FleetSpec:
    config = copy.deepcopy(BASE)
    config.update(overrides)
    return parse_fleet(config, "test.yaml")


def problem(**overrides: Any) -> str:
    with pytest.raises(SpecError) as raised:
        spec_with(**overrides)
    return str(raised.value)


def test_an_autoscaled_pool_starts_at_its_min() -> None:
    spec = spec_with()
    pool = spec.pools["a100"]
    assert (pool.nodes, pool.ceiling) == (2, 8)
    assert (spec.total_nodes, spec.total_gpus) == (3, 24)
    assert list(spec.autoscaled_pools) == ["a100"]


def test_nodes_may_say_the_min_but_nothing_else() -> None:
    pools = copy.deepcopy(BASE["pools"])
    pools["a100"]["nodes"] = 2
    assert spec_with(pools=pools).pools["a100"].nodes == 2
    pools["a100"]["nodes"] = 4
    message = problem(pools=pools)
    assert "pools.a100.nodes: 4 would start the pool above its autoscale min 2" in message
    assert "drop nodes (it is then 2) or set it to 2" in message


def test_a_min_that_is_no_number_is_the_one_error() -> None:
    pools = copy.deepcopy(BASE["pools"])
    pools["a100"]["autoscale"]["min"] = "2"
    message = problem(pools=pools)
    assert "pools.a100.autoscale.min" in message
    assert "pools.a100.nodes" not in message


def test_blocks_bound_the_steps_of_a_pool_with_blocks() -> None:
    pools = copy.deepcopy(BASE["pools"])
    pools["a100"]["topology"] = {"nodesPerRack": 2, "racksPerBlock": 2}
    pools["a100"]["autoscale"].update({"min": 4, "max": 10})
    message = problem(pools=pools)
    assert "pools.a100.autoscale.max: 10 is not a whole number of blocks (4 nodes each)" in message
    pools["a100"]["autoscale"]["max"] = 12
    assert spec_with(pools=pools).pools["a100"].ceiling == 12


def test_a_gb200_pool_grows_by_racks_of_its_nvlink_domain() -> None:
    pools = copy.deepcopy(BASE["pools"])
    gb200 = {"gpusPerNode": 4, "product": "NVIDIA-GB200"}
    pools["a100"] = {**gb200, "autoscale": {"min": 9, "max": 36, "prices": {"spot": 17.5}}}
    message = problem(pools=pools)
    assert "pools.a100.autoscale.min: 9 is not a whole number of racks (18 nodes each)" in message
    assert "use a multiple of 18" in message


def test_a_fixed_pool_is_as_before() -> None:
    lesson1 = load_stack_file(LESSON1_FILE)
    assert lesson1.autoscaled_pools == {}
    assert all(pool.ceiling == pool.nodes for pool in lesson1.pools.values())
    assert list(autoscale_objects(lesson1, OWNER)) == []
    assert "autoscale" not in json.dumps(summary_data(lesson1))


def test_the_instance_type_has_the_pools_resources_and_priced_offerings() -> None:
    pools = copy.deepcopy(BASE["pools"])
    pools["a100"]["autoscale"]["prices"] = {"onDemand": 32.77, "spot": 12.5}
    pools["a100"].update({"cpu": 128, "memory": "2048Gi", "pods": 250})
    (entry,) = instance_types(spec_with(pools=pools))
    assert entry["name"] == "a100.8gpu"
    assert entry["resources"] == {
        "cpu": "128",
        "memory": "2048Gi",
        "pods": "250",
        "nvidia.com/gpu": "8",
    }
    offered = {
        (o["Requirements"][0]["values"][0], o["Requirements"][1]["values"][0]): o["Price"]
        for o in entry["offerings"]
    }
    assert offered == {("on-demand", "gpu-fleet-zone-a"): 32.77, ("spot", "gpu-fleet-zone-a"): 12.5}
    assert {o["Requirements"][0]["key"] for o in entry["offerings"]} == {
        "karpenter.sh/capacity-type"
    }
    assert (entry["architecture"], entry["operatingSystems"]) == ("amd64", ["linux"])


def test_the_config_map_holds_the_file_the_provider_reads() -> None:
    spec = spec_with()
    config_map = instance_types_config_map(spec, OWNER)
    assert config_map["metadata"]["namespace"] == "kube-system"
    assert json.loads(config_map["data"]["instance-types.json"]) == instance_types(spec)


def test_karpenters_nodes_carry_the_pools_labels_and_taint() -> None:
    spec = spec_with()
    fixed = fake_node("a100", spec.pools["a100"], 0, OWNER, kwok_shards=3)
    labels = node_labels("a100", spec.pools["a100"], OWNER)
    assert labels["run.ai/simulated-gpu-node-pool"] == "a100"  # the operator advertises them
    assert labels["gpu-pool"] == "a100"
    assert labels["nvidia.com/gpu.product"] == "NVIDIA-A100-SXM4-80GB"
    assert labels["gpu-fleet.dev/kwok-shard"] == "0"
    left_out = set(fixed["metadata"]["labels"]) - set(labels)
    assert left_out == {"kubernetes.io/hostname", "gpu-fleet.dev/stack", "gpu-fleet.dev/pool"}
    assert labels["node-role.kubernetes.io/gpu-worker"] == ""
    template = node_pool("a100", spec.pools["a100"], OWNER)["spec"]["template"]
    assert template["metadata"]["labels"] == labels
    assert template["spec"]["taints"] == fixed["spec"]["taints"]


def test_neither_the_pool_nor_orphans_count_karpenters_nodes_as_the_stacks() -> None:
    labels = node_labels("a100", spec_with().pools["a100"], OWNER)
    annotations = {"kwok.x-k8s.io/node": "fake"}
    karpenters = NodeMeta("kwok-gpu-fleet-a100-x7k2p", "u", labels, annotations)
    fixed = fake_node("a100", spec_with().pools["a100"], 0, OWNER)["metadata"]
    programs = NodeMeta(fixed["name"], "v", fixed["labels"], annotations)
    owned = Ownership(OWNER.label, "a100", frozenset())
    assert owned.owns(programs)
    assert not owned.owns(karpenters)
    assert "gpu-fleet.dev/stack" not in karpenters.labels  # `gpu-fleet orphans` selects on it


def test_the_node_pool_adds_at_most_max_minus_min_nodes() -> None:
    pools = copy.deepcopy(BASE["pools"])
    pools["a100"]["autoscale"]["prices"] = {"spot": 12.5}
    manifest = node_pool("a100", spec_with(pools=pools).pools["a100"], OWNER)
    assert manifest["metadata"]["name"] == "gpu-fleet-a100"
    spec = manifest["spec"]
    assert spec["limits"] == {"nodes": "6", "nvidia.com/gpu": "48"}
    assert spec["template"]["spec"]["requirements"] == [
        {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["a100.8gpu"]},
        {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["spot"]},
    ]
    assert spec["template"]["spec"]["nodeClassRef"] == {
        "group": "karpenter.kwok.sh",
        "kind": "KWOKNodeClass",
        "name": "gpu-fleet-a100",
    }
    assert spec["disruption"]["consolidationPolicy"] == "WhenEmptyOrUnderutilized"


def test_objects_come_in_creation_order() -> None:
    kinds = [(o["kind"], o["metadata"]["name"]) for o in autoscale_objects(spec_with(), OWNER)]
    assert kinds == [
        ("ConfigMap", "gpu-fleet-karpenter-instance-types"),
        ("KWOKNodeClass", "gpu-fleet-a100"),
        ("NodePool", "gpu-fleet-a100"),
    ]


def test_check_json_gives_the_cost_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pools"]["a100"]["autoscale"] == {
        "min": 2,
        "max": 8,
        "maxGpus": 64,
        "pricePerNodeHour": {"onDemand": 32.77, "spot": 12.5},
        "costPerHour": {
            "onDemand": {"atMin": 65.54, "atMax": 262.16},
            "spot": {"atMin": 25.0, "atMax": 100.0},
        },
    }
    assert "autoscale" not in data["pools"]["h100"]


def test_check_prints_the_autoscale_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    rows = [[c.strip() for c in line.split("│") if c.strip()] for line in out.splitlines()]
    assert ["a100", "2..8", "16..64", "gpu-fleet-a100", "a100.8gpu", "on-demand", "32.77",
            "65.54..262.16"] in rows  # fmt: skip
    assert ["spot", "12.50", "25.00..100.00"] in rows


def test_manifests_print_the_templates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifests", str(EXAMPLE)]) == 0
    documents = list(yaml.safe_load_all(capsys.readouterr().out))
    pools = [d for d in documents if d["kind"] == "NodePool"]
    assert [p["metadata"]["name"] for p in pools] == ["gpu-fleet-a100"]
    assert pools[0] == node_pool("a100", load_stack_file(EXAMPLE).pools["a100"], OWNER)
