"""A pool's topology, declared once: the racks, blocks and NVLink domains it gives, and
every node's labels derived from it (docs/fleet.md, "Topology")."""

import copy
import json
from typing import Any

import pytest

from fleet.cli import main
from fleet.render.nodes import fleet_nodes, named, node_template, template_digest
from fleet.render.topology import TOPOLOGY_ANNOTATION
from fleet.stack.figures import summary_data
from fleet.stack.load import load_stack_file, parse_fleet
from fleet.stack.owner import StackOwner
from fleet.stack.spec import FleetSpec
from tests.paths import STACKS_DIR

TOPOLOGY_FILE = STACKS_DIR / "Pulumi.lesson-topology.yaml"
OWNER = StackOwner("gpu-fleet", "topology")
RACK = "cloud.provider.com/topology-rack"
BLOCK = "cloud.provider.com/topology-block"
CLIQUE = "nvidia.com/gpu.clique"
BASE: dict[str, Any] = {
    "cluster": {"mode": "kind"},
    "pools": {
        "nvl": {"nodes": 36, "gpusPerNode": 4, "product": "NVIDIA-GB200"},
        "h100": {"nodes": 2, "gpusPerNode": 8, "product": "NVIDIA-H100-80GB-HBM3"},
    },
}


def spec_with(**pools: Any) -> FleetSpec:
    config = copy.deepcopy(BASE)
    config["pools"].update(pools)
    return parse_fleet(config, "test.yaml")


def labels_by_node(spec: FleetSpec) -> dict[str, dict[str, str]]:
    return {
        node["metadata"]["name"]: node["metadata"]["labels"] for node in fleet_nodes(spec, OWNER)
    }


def test_gb200_gets_racks_of_its_nvlink_domain_by_default() -> None:
    pool = spec_with().pools["nvl"]
    assert pool.topology is not None
    assert (pool.topology.nodes_per_rack, pool.racks, pool.rack_gpus) == (18, 2, 72)
    assert (pool.blocks, pool.nvlink_domains) == (0, 2)
    assert pool.topology.level_labels == (RACK, "kubernetes.io/hostname")


def test_a_pool_without_topology_has_none() -> None:
    pool = spec_with().pools["h100"]
    assert pool.topology is None
    assert (pool.racks, pool.blocks, pool.nvlink_domains, pool.rack_gpus) == (0, 0, 0, 16)


def test_every_node_is_labelled_with_its_rack_block_and_nvlink_domain() -> None:
    spec = load_stack_file(TOPOLOGY_FILE)
    labels = labels_by_node(spec)
    racks = {name: node[RACK] for name, node in labels.items()}
    blocks = {name: node[BLOCK] for name, node in labels.items()}
    assert [racks[f"kwok-gpu-gb200-{i}"] for i in (0, 3, 4, 7, 8, 15)] == [
        "gb200-rack0",
        "gb200-rack0",
        "gb200-rack1",
        "gb200-rack1",
        "gb200-rack2",
        "gb200-rack3",
    ]
    assert [blocks[f"kwok-gpu-gb200-{i}"] for i in (0, 7, 8, 15)] == [
        "gb200-block0",
        "gb200-block0",
        "gb200-block1",
        "gb200-block1",
    ]
    # One NVLink domain per rack: as many cliques as racks, each `<UUID>.<clique id>`,
    # the same for every node of a rack.
    cliques: dict[str, set[str]] = {}
    for node in labels.values():
        cliques.setdefault(node[RACK], set()).add(node[CLIQUE])
    assert all(len(values) == 1 for values in cliques.values())
    values = [next(iter(v)) for v in cliques.values()]
    assert len(set(values)) == 4
    for value in values:
        cluster, clique = value.split(".")
        assert (len(cluster), cluster.count("-"), clique) == (36, 4, "1")
        assert len(value) <= 63


def test_the_clique_is_stable_per_stack_and_differs_between_stacks() -> None:
    spec = load_stack_file(TOPOLOGY_FILE)
    template = node_template("gb200", spec.pools["gb200"], OWNER)
    again = node_template("gb200", spec.pools["gb200"], OWNER)
    other = node_template("gb200", spec.pools["gb200"], StackOwner("gpu-fleet", "other"))
    name = "kwok-gpu-gb200-5"
    clique = named(template, name)["metadata"]["labels"][CLIQUE]
    assert named(again, name)["metadata"]["labels"][CLIQUE] == clique
    assert named(other, name)["metadata"]["labels"][CLIQUE] != clique


def test_pools_without_topology_keep_their_labels() -> None:
    labels = labels_by_node(spec_with())
    assert not {RACK, BLOCK, CLIQUE} & set(labels["kwok-gpu-h100-0"])
    assert "gpu-fleet.dev/topology" not in json.dumps(
        node_template("h100", spec_with().pools["h100"], OWNER)
    )


def test_a_pool_without_nvlink_gets_racks_but_no_clique() -> None:
    spec = spec_with(h100={**BASE["pools"]["h100"], "topology": {"nodesPerRack": 1}})
    labels = labels_by_node(spec)["kwok-gpu-h100-1"]
    assert labels[RACK] == "h100-rack1"
    assert CLIQUE not in labels


def test_level_labels_are_the_pools_choice() -> None:
    levels = {"block": "cloud.google.com/gce-topology-block", "rack": "example.com/rack"}
    topology = {"nodesPerRack": 9, "racksPerBlock": 2, "levels": levels}
    spec = spec_with(nvl={**BASE["pools"]["nvl"], "topology": topology})
    labels = labels_by_node(spec)["kwok-gpu-nvl-20"]
    assert labels["example.com/rack"] == "nvl-rack2"
    assert labels["cloud.google.com/gce-topology-block"] == "nvl-block1"
    assert RACK not in labels


def test_a_new_topology_changes_the_template_digest() -> None:
    """So that the pool-level resource re-applies nodes whose labels it changes."""
    spec = spec_with()
    nine = spec_with(nvl={**BASE["pools"]["nvl"], "topology": {"nodesPerRack": 9}})
    before = template_digest(node_template("nvl", spec.pools["nvl"], OWNER))
    after = template_digest(node_template("nvl", nine.pools["nvl"], OWNER))
    assert before != after


def test_the_template_alone_gives_each_nodes_labels() -> None:
    """The pool-level resource's provider has only the template and the node's name."""
    spec = load_stack_file(TOPOLOGY_FILE)
    template = node_template("gb200", spec.pools["gb200"], OWNER)
    sent = json.loads(json.dumps(template))  # as the engine hands it over
    assert TOPOLOGY_ANNOTATION in sent["metadata"]["annotations"]
    for node in fleet_nodes(spec, OWNER):
        name = node["metadata"]["name"]
        assert named(sent, name)["metadata"]["labels"] == node["metadata"]["labels"]


def test_summary_data_and_check_show_the_topology(capsys: pytest.CaptureFixture[str]) -> None:
    spec = load_stack_file(TOPOLOGY_FILE)
    assert summary_data(spec)["pools"]["gb200"]["topology"] == {
        "racks": 4,
        "nodesPerRack": 4,
        "blocks": 2,
        "racksPerBlock": 2,
        "nvlinkDomains": 4,
        "levels": [BLOCK, RACK, "kubernetes.io/hostname"],
    }
    assert "topology" not in summary_data(spec_with())["pools"]["h100"]
    assert main(["check", str(TOPOLOGY_FILE)]) == 0
    out = capsys.readouterr().out
    assert "topology" in out
    row = next(line for line in out.splitlines() if line.startswith("│ gb200 │     4 │"))
    cells = [cell.strip() for cell in row.split("│")[1:8]]
    assert cells == ["gb200", "4", "4", "16", "2", "2", "4"]


def test_an_unused_block_label_names_no_level() -> None:
    """A pool without blocks does not take the block label from another pool's racks."""
    spec = spec_with(
        h100={
            **BASE["pools"]["h100"],
            "topology": {"nodesPerRack": 1, "levels": {"rack": BLOCK}},
        }
    )
    assert spec.pools["nvl"].topology is not None
    assert spec.pools["nvl"].topology.racks_per_block is None
    assert labels_by_node(spec)["kwok-gpu-h100-0"][BLOCK] == "h100-rack0"
