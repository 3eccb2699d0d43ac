"""What the scheduling demo should do on a fleet, worked out from the spec alone.

The model follows the default scheduler's filters that decide the demo:

- taints: only fake nodes carry `nvidia.com/gpu` and every demo pod tolerates
  their taint, so the fake nodes are the only candidates (the control plane and
  the real worker fail on the taint or on the GPU request);
- node selector (`gpu-pool`): checked before resources, so a node of another
  pool reports only the selector mismatch;
- resources: pod slots (`pods` minus the DaemonSet pods on every fake node) and
  `nvidia.com/gpu`. A node short of both reports both. The demo pods request no
  cpu or memory, so the pools' cpu and memory never stop them;
- DRA claims (the DynamicResources filter, after the resource filter): a node
  takes a claim when enough of its still unallocated devices match the claim's
  selection. A node already out of pod slots reports only `Too many pods`,
  since the scheduler stops at a node's first failing filter.

`nvidia.com/gpu` and DRA devices are counted apart: the scheduler does not
know that a stack offering both offers the same fake GPUs twice.

Pods are placed greedily in creation order, first node that fits. For the
1-GPU pods the order of nodes does not change the counts; where it could (a
multi-GPU pod on a fleet short of pod slots), the outcome says so in a caveat.
Pending pods are explained by the fleet's final state, as in the scheduler's
latest FailedScheduling event.
"""

from dataclasses import dataclass

from fleet.demo.outcome import (
    REASON_CANNOT_ALLOCATE_CLAIMS,
    REASON_INSUFFICIENT_GPU,
    REASON_NODE_SELECTOR,
    REASON_TOO_MANY_PODS,
    FleetOutcome,
    WorkloadOutcome,
    reasons_named,
)
from fleet.demo.workloads import DemoWorkload
from fleet.stack.spec import FleetSpec, KindClusterSpec

# kube-proxy and kindnet tolerate every taint, so each fake node of a kind
# cluster runs one pod of each (KWOK reports them Running).
KIND_DAEMONSET_PODS = 2


@dataclass
class _Node:
    """What is still free on one fake node: `nvidia.com/gpu`, DRA devices, pod slots."""

    pool: str
    product: str
    memory_mib: int
    gpus: int
    devices: int
    slots: int

    def free(self, workload: DemoWorkload) -> int:
        """The GPUs still free here that the workload's pods may use."""
        if workload.claim is not None:
            return self.devices if workload.claim.matches(self.product, self.memory_mib) else 0
        return self.gpus if workload.pool in (None, self.pool) else 0

    def fits(self, workload: DemoWorkload) -> int:
        """How many more of the workload's pods this node takes."""
        return min(self.free(workload) // workload.gpus, self.slots)

    def take(self, workload: DemoWorkload, pods: int) -> None:
        if workload.claim is not None:
            self.devices -= pods * workload.gpus
        else:
            self.gpus -= pods * workload.gpus
        self.slots -= pods

    def reasons(self, workload: DemoWorkload) -> set[str]:
        """Why one more pod of the workload does not fit, as the scheduler words it."""
        if workload.claim is not None:
            if self.slots < 1:
                return {REASON_TOO_MANY_PODS}
            short = self.free(workload) < workload.gpus
            return {REASON_CANNOT_ALLOCATE_CLAIMS} if short else set()
        if workload.pool not in (None, self.pool):
            return {REASON_NODE_SELECTOR}
        found = set()
        if self.slots < 1:
            found.add(REASON_TOO_MANY_PODS)
        if self.gpus < workload.gpus:
            found.add(REASON_INSUFFICIENT_GPU)
        return found


def expected_outcome(spec: FleetSpec, workloads: tuple[DemoWorkload, ...]) -> FleetOutcome:
    """Where the default scheduler should put `workloads` (the demo, in creation order)."""
    nodes = _fake_nodes(spec)
    placed: dict[str, int] = {}
    caveats = list(_spec_caveats(spec))
    for workload in workloads:
        if workload.replicas == 1 and workload.gpus > 1 and _placement_matters(workload, nodes):
            caveats.append(
                f"{workload.name} fits on nodes that differ in free pod slots or in the GPUs "
                "later claims select; the model puts it on the first that fits, so the queue's "
                "Running/Pending split may differ by a few"
            )
        placed[workload.name] = _place(workload, nodes)
    outcomes = []
    for workload in workloads:
        running = placed[workload.name]
        pending = workload.replicas - running
        reasons: set[str] = set()
        if pending:
            reasons = set().union(*(node.reasons(workload) for node in nodes))
        outcomes.append(
            WorkloadOutcome(
                workload.name,
                workload.kind,
                running,
                pending,
                reasons_named(reasons),
            )
        )
    return FleetOutcome(tuple(outcomes), tuple(caveats))


def _fake_nodes(spec: FleetSpec) -> list[_Node]:
    reserved = KIND_DAEMONSET_PODS if isinstance(spec.cluster, KindClusterSpec) else 0
    return [
        _Node(
            name,
            pool.product,
            pool.memory_mib,
            gpus=pool.gpus_per_node if spec.offers_device_plugin else 0,
            devices=pool.gpus_per_node if spec.offers_dra else 0,
            slots=max(pool.pods - reserved, 0),
        )
        for name, pool in spec.pools.items()
        for _ in range(pool.nodes)
    ]


def _place(workload: DemoWorkload, nodes: list[_Node]) -> int:
    """Place as many of the workload's pods as fit, node by node; return how many."""
    remaining = workload.replicas
    for node in nodes:
        pods = min(remaining, node.fits(workload))
        node.take(workload, pods)
        remaining -= pods
    return workload.replicas - remaining


def _placement_matters(workload: DemoWorkload, nodes: list[_Node]) -> bool:
    """Whether the 1-GPU pods that follow would fit differently by where this pod lands.

    They would if the candidate nodes lose different numbers of 1-GPU places, or,
    for a claim, if they hold different GPUs (later claims may select by product
    or memory).
    """
    candidates = [node for node in nodes if node.fits(workload)]
    lost = {
        min(node.free(workload), node.slots)
        - min(node.free(workload) - workload.gpus, node.slots - 1)
        for node in candidates
    }
    kinds = {(node.product, node.memory_mib) for node in candidates}
    return len(lost) > 1 or (workload.claim is not None and len(kinds) > 1)


def _spec_caveats(spec: FleetSpec) -> list[str]:
    caveats = []
    if not spec.demo.enabled:
        caveats.append(
            "the demo is disabled in this stack (demo.enabled: false); this is what it would "
            "do if enabled"
        )
    if not isinstance(spec.cluster, KindClusterSpec):
        caveats.append(
            "existing cluster: the model assumes no other pods on the fake nodes (DaemonSets "
            "that tolerate every taint, or other workloads tolerating the KWOK taint); any "
            "there take pod slots or GPUs and leave more demo pods Pending"
        )
    if not spec.operator.install:
        offered = {
            "devicePlugin": "advertises nvidia.com/gpu on",
            "dra": "publishes DRA ResourceSlices for",
            "both": "advertises nvidia.com/gpu on and publishes DRA ResourceSlices for",
        }[spec.gpu_offer]
        caveats.append(
            f"the stack does not install fake-gpu-operator: the model assumes something else "
            f"{offered} the fake nodes, or every demo pod stays Pending"
        )
    if spec.gpu_offer == "both":
        caveats.append(
            "gpuOffer both: each fake GPU is offered twice, as nvidia.com/gpu and as a DRA "
            "device, and the scheduler counts them apart (a real node offers a GPU one way)"
        )
    if not spec.kwok.install:
        caveats.append(
            "the stack does not install KWOK: the model assumes a KWOK controller already "
            "manages the fake nodes, or they never become Ready"
        )
    return caveats
