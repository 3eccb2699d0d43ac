"""Expected against observed: the rows of the validation report, each PASS or FAIL.

What is observed is recomputed from the evidence's pods (their workload label,
phase and FailedScheduling message), never taken from the summary stored next
to them; where the two disagree the evidence contradicts itself, and that is a
failed row too.
"""

from dataclasses import dataclass

from fleet.demo.outcome import FleetOutcome, WorkloadOutcome
from fleet.demo.plan import DemoPlan, plan_demo
from fleet.demo.workloads import DemoWorkload
from fleet.evidence.document import DemoClaim, DeviceSlice, Evidence, NodeGpus, PendingPod
from fleet.evidence.observe import observed_outcome, reasons_in
from fleet.files.files_in import cut
from fleet.stack.spec import FleetSpec, PoolSpec

# Pods named in one contradiction before the rest are counted.
NAMED_PODS = 5


@dataclass(frozen=True)
class PoolRow:
    """One pool as declared and as the cluster shows its fake nodes."""

    name: str
    spec: PoolSpec
    nodes_observed: int
    products_observed: tuple[str, ...]
    gpus_advertised: int
    # Nodes whose GPU capacity and allocatable both equal the pool's gpusPerNode.
    nodes_advertising: int
    # Who wrote `nvidia.com/gpu` on the pool's nodes (field managers), for the record.
    advertised_by: tuple[str, ...]
    # DRA devices in the GPU driver's ResourceSlices of the pool's nodes.
    devices_published: int
    # Nodes with exactly one such slice, of gpusPerNode devices of the pool's product and memory.
    nodes_publishing: int
    # What the stack offers; only the offered mechanisms are checked.
    device_plugin: bool
    dra: bool

    @property
    def fleet_passed(self) -> bool:
        return (
            self.nodes_observed == self.spec.nodes
            and self.products_observed == (self.spec.product,)
            and (not self.device_plugin or self.gpus_advertised == self.spec.gpus)
            and (not self.dra or self.devices_published == self.spec.gpus)
        )

    @property
    def advertisement_passed(self) -> bool:
        return self.nodes_observed == self.spec.nodes == self.nodes_advertising

    @property
    def publication_passed(self) -> bool:
        return self.nodes_observed == self.spec.nodes == self.nodes_publishing


@dataclass(frozen=True)
class WorkloadRow:
    name: str
    expected: WorkloadOutcome | None
    observed: WorkloadOutcome | None

    @property
    def passed(self) -> bool:
        if self.expected is None or self.observed is None:
            return False
        return (
            self.expected.running == self.observed.running
            and self.expected.pending == self.observed.pending
            and set(self.expected.reasons) == set(self.observed.reasons)
        )


@dataclass(frozen=True)
class ClaimRow:
    """One DRA workload's claims: allocated as the expected Running/Pending split says,
    and only on devices the claim's selection admits."""

    name: str
    expected: WorkloadOutcome
    claims: tuple[DemoClaim, ...]
    # The products of the pools whose devices the claim's selection admits.
    products_admitted: tuple[str, ...]

    @property
    def allocated(self) -> int:
        return sum(claim.allocated for claim in self.claims)

    @property
    def products_allocated(self) -> tuple[str, ...]:
        return tuple(sorted({product for claim in self.claims for product in claim.products}))

    @property
    def passed(self) -> bool:
        return (
            self.allocated == self.expected.running
            and len(self.claims) - self.allocated == self.expected.pending
            and set(self.products_allocated) <= set(self.products_admitted)
        )


@dataclass(frozen=True)
class Validation:
    evidence: Evidence
    spec: FleetSpec
    pools: tuple[PoolRow, ...]
    # Fake nodes whose gpu-pool label names no pool of the stack.
    stray_nodes: tuple[str, ...]
    expected: FleetOutcome
    # Recomputed from the evidence's demo and Pending pods.
    observed: FleetOutcome
    pending_pods: tuple[PendingPod, ...]
    workloads: tuple[WorkloadRow, ...]
    claims: tuple[ClaimRow, ...]
    # Where the evidence's stored figures disagree with its own pods.
    contradictions: tuple[str, ...]

    @property
    def running_passed(self) -> bool:
        return self.expected.running == self.observed.running

    @property
    def pending_passed(self) -> bool:
        return self.expected.pending == self.observed.pending

    def failures(self) -> list[str]:
        """One line per failed row; empty when the run passed."""
        failed = [f"evidence contradicts itself: {what}" for what in self.contradictions]
        failed += [f"fleet: pool {row.name}" for row in self.pools if not row.fleet_passed]
        if self.spec.offers_device_plugin:
            failed += [
                f"GPU advertisement: pool {row.name}"
                for row in self.pools
                if not row.advertisement_passed
            ]
        if self.spec.offers_dra:
            failed += [
                f"DRA devices published: pool {row.name}"
                for row in self.pools
                if not row.publication_passed
            ]
        if self.stray_nodes:
            failed.append(f"fake nodes outside the stack's pools: {len(self.stray_nodes)}")
        if self.spec.demo.enabled:
            failed += [f"workload: {row.name}" for row in self.workloads if not row.passed]
            failed += [f"DRA claims: {row.name}" for row in self.claims if not row.passed]
            failed += [] if self.running_passed else ["namespace total: Running"]
            failed += [] if self.pending_passed else ["namespace total: Pending"]
        return failed


def _publishes(pool: PoolSpec, slices: list[DeviceSlice]) -> bool:
    """Whether one node's slices are what the KWOK DRA plugin publishes for the pool."""
    if len(slices) != 1:
        return False
    (only,) = slices
    return (
        only.devices == pool.gpus_per_node
        and only.products == [pool.product]
        and set(only.memory_mib) == {pool.memory_mib}
    )


def _pool_row(
    name: str, pool: PoolSpec, nodes: list[NodeGpus], slices: list[DeviceSlice], spec: FleetSpec
) -> PoolRow:
    members = [node for node in nodes if node.pool == name]
    node_slices = {node.name: [s for s in slices if s.node == node.name] for node in members}
    return PoolRow(
        name=name,
        spec=pool,
        nodes_observed=len(members),
        products_observed=tuple(sorted({node.product or "<none>" for node in members})),
        gpus_advertised=sum(node.gpu_allocatable or 0 for node in members),
        nodes_advertising=sum(
            node.gpu_capacity == node.gpu_allocatable == pool.gpus_per_node for node in members
        ),
        advertised_by=tuple(sorted({n.gpu_advertised_by for n in members if n.gpu_advertised_by})),
        devices_published=sum(s.devices for found in node_slices.values() for s in found),
        nodes_publishing=sum(_publishes(pool, found) for found in node_slices.values()),
        device_plugin=spec.offers_device_plugin,
        dra=spec.offers_dra,
    )


def _claim_rows(spec: FleetSpec, plan: DemoPlan, claims: list[DemoClaim]) -> tuple[ClaimRow, ...]:
    def admitted(workload: DemoWorkload) -> tuple[str, ...]:
        assert workload.claim is not None
        selection = workload.claim
        return tuple(
            sorted(
                {
                    pool.product
                    for pool in spec.pools.values()
                    if selection.matches(pool.product, pool.memory_mib)
                }
            )
        )

    return tuple(
        ClaimRow(
            workload.name,
            plan.expected.workload(workload.name),
            tuple(claim for claim in claims if claim.workload == workload.name),
            admitted(workload),
        )
        for workload in plan.workloads
        if workload.claim is not None
    )


def _recomputed(pod: PendingPod) -> PendingPod:
    return pod.model_copy(update={"reasons": list(reasons_in(pod.message or ""))})


def _contradictions(
    evidence: Evidence, observed: FleetOutcome, pending: list[PendingPod]
) -> tuple[str, ...]:
    differ = [
        stored
        for stored, again in zip(evidence.pending_pods, pending, strict=True)
        if set(stored.reasons) != set(again.reasons)
    ]
    found = []
    if differ:
        names = ", ".join(cut(f"{pod.namespace}/{pod.name}") for pod in differ[:NAMED_PODS])
        more = f" and {len(differ) - NAMED_PODS} more" if len(differ) > NAMED_PODS else ""
        found.append(
            f"the stored causes of Pending pods {names}{more} are not those their "
            "FailedScheduling messages name"
        )
    if evidence.observed.as_dict()["workloads"] != observed.as_dict()["workloads"]:
        found.append(
            f"the stored observed outcome ({evidence.observed.running} Running, "
            f"{evidence.observed.pending} Pending) is not what its demo pods show "
            f"({observed.running} Running, {observed.pending} Pending)"
        )
    return tuple(found)


def validate(evidence: Evidence, spec: FleetSpec) -> Validation:
    fake = [node for node in evidence.nodes if node.fake]
    plan = plan_demo(spec)
    expected = plan.expected
    pending = [_recomputed(pod) for pod in evidence.pending_pods]
    observed = observed_outcome(spec.demo.namespace, evidence.demo_pods, pending)
    names = [w.name for w in expected.workloads]
    names += [w.name for w in observed.workloads if w.name not in names]

    def find(outcome: FleetOutcome, name: str) -> WorkloadOutcome | None:
        return next((w for w in outcome.workloads if w.name == name), None)

    return Validation(
        evidence=evidence,
        spec=spec,
        pools=tuple(
            _pool_row(name, pool, fake, evidence.device_slices, spec)
            for name, pool in spec.pools.items()
        ),
        stray_nodes=tuple(node.name for node in fake if node.pool not in spec.pools),
        expected=expected,
        observed=observed,
        pending_pods=tuple(pending),
        workloads=tuple(
            WorkloadRow(name, find(expected, name), find(observed, name)) for name in names
        ),
        claims=_claim_rows(spec, plan, evidence.demo_claims),
        contradictions=_contradictions(evidence, observed, pending),
    )
