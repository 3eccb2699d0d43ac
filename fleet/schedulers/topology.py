"""The schedulers' `Topology` objects, from the pools' topology (docs/fleet.md, "Topology").

One `Topology` per pool that has a topology, named after the pool, its levels the
pool's node labels widest first and the node itself last (`kubernetes.io/hostname`):
block (when the pool has blocks), rack, node. The node labels come from the same
declaration (`fleet.render.topology`), so the scheduler's domains are the racks and
blocks the nodes carry.

- Kueue (`kueue.x-k8s.io/v1beta2`, Topology Aware Scheduling): the pool's
  ResourceFlavor names its Topology in `spec.topologyName`; a job asks for a level
  by the pod annotations `kueue.x-k8s.io/podset-required-topology` or
  `-preferred-topology`.
- KAI-Scheduler (`kai.scheduler/v1alpha1`): its queues take no topology; a job names
  the Topology and the level in its PodGroup's `spec.topologyConstraint` (or the pod
  annotations `kai.scheduler/topology`, `-required-placement`, `-preferred-placement`,
  from which KAI's pod grouper fills it).
"""

from typing import Any

from fleet.render.demo import PART_OF_LABEL
from fleet.render.nodes import POOL_LABEL
from fleet.schedulers.scenarios import ScenarioJob
from fleet.stack.spec import PROJECT, FleetSpec

KUEUE_API_VERSION = "kueue.x-k8s.io/v1beta2"
KAI_API_VERSION = "kai.scheduler/v1alpha1"
KUEUE_REQUIRED = "kueue.x-k8s.io/podset-required-topology"
KUEUE_PREFERRED = "kueue.x-k8s.io/podset-preferred-topology"


def _topology(api_version: str, name: str, levels: tuple[str, ...]) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": "Topology",
        "metadata": {"name": name, "labels": {PART_OF_LABEL: PROJECT}},
        "spec": {"levels": [{"nodeLabel": label} for label in levels]},
    }


def topologies(spec: FleetSpec, api_version: str) -> list[dict[str, Any]]:
    """A Topology per pool with a topology, in the pools' order."""
    return [
        _topology(api_version, name, pool.topology.level_labels)
        for name, pool in spec.pools.items()
        if pool.topology is not None
    ]


def kueue_topologies(spec: FleetSpec) -> list[dict[str, Any]]:
    return topologies(spec, KUEUE_API_VERSION)


def kai_topologies(spec: FleetSpec) -> list[dict[str, Any]]:
    return topologies(spec, KAI_API_VERSION)


def with_topology_names(spec: FleetSpec, flavors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The flavors, each one that selects a pool with a topology naming that pool's
    Topology (`spec.topologyName`)."""
    named = []
    for flavor in flavors:
        pool = flavor["spec"].get("nodeLabels", {}).get(POOL_LABEL)
        if pool in spec.topology_pools:
            flavor = {**flavor, "spec": {**flavor["spec"], "topologyName": pool}}
        named.append(flavor)
    return named


def _level_label(spec: FleetSpec, job: ScenarioJob) -> str:
    assert job.topology is not None
    topology = spec.pools[job.pool].topology
    assert topology is not None, f"job {job.name} asks for a topology its pool has not"
    return topology.levels.rack if job.topology.level == "rack" else topology.levels.block


def kueue_annotations(spec: FleetSpec, job: ScenarioJob) -> dict[str, str]:
    """What a pod of `job` carries for Kueue to keep the gang within one domain."""
    if job.topology is None:
        return {}
    key = KUEUE_REQUIRED if job.topology.mode == "required" else KUEUE_PREFERRED
    return {key: _level_label(spec, job)}


def kai_constraint(spec: FleetSpec, job: ScenarioJob) -> dict[str, Any]:
    """What `job`'s KAI PodGroup carries (`spec.topologyConstraint`) for the same."""
    if job.topology is None:
        return {}
    key = "requiredTopologyLevel" if job.topology.mode == "required" else "preferredTopologyLevel"
    return {"topologyConstraint": {"topology": job.pool, key: _level_label(spec, job)}}
