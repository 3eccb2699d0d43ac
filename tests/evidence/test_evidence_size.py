"""The evidence of a large DRA fleet is read back: a 10,000-node fleet with its 110 % queue
wrote more than the 8 MiB the reader once allowed, and `fleet report` refused it."""

from datetime import UTC, datetime
from pathlib import Path

from fleet.demo.outcome import FleetOutcome
from fleet.evidence.document import (
    DemoClaim,
    DemoPod,
    DeviceSlice,
    Evidence,
    NodeGpus,
    PendingPod,
    Versions,
    load_evidence,
    save_evidence,
)
from fleet.files import files_in

NODES, PODS = 10_000, 11_003
# What kube-scheduler says of a claim it cannot allocate on a 10,000-node fleet.
WAITING = (
    "0/10000 nodes are available: 10000 cannot allocate all claims. still not schedulable, "
    "preemption: 0/10000 nodes are available: 10000 Preemption is not helpful for scheduling."
)


def node(index: int) -> str:
    return f"kwok-gpu-l4-{index}"


def pod(index: int) -> str:
    return f"dra-queue-pressure-78cdb6d45b-{index:05x}"


def large_dra_fleet() -> Evidence:
    """One L4 per node, every GPU allocated, the rest of the queue Pending."""
    return Evidence(
        captured_at=datetime.now(UTC),
        stack_file="stacks/Pulumi.large-10k.yaml",
        spec={"pools": {"l4": {"nodes": NODES, "gpusPerNode": 1}}},
        api_requests=120,
        versions=Versions(
            kubernetes="v1.36.1",
            kwok_controller_images=["registry.k8s.io/kwok/kwok:v0.7.0"],
            operator_charts=["fake-gpu-operator-0.2.0"],
            operator_images=[],
        ),
        nodes=[
            NodeGpus(
                name=node(i),
                fake=True,
                pool="l4",
                product="NVIDIA-L4",
                gpu_capacity=None,
                gpu_allocatable=None,
            )
            for i in range(NODES)
        ],
        demo_pods=[
            DemoPod(
                name=pod(i),
                workload="dra-queue-pressure",
                kind="Deployment",
                phase="Running" if i < NODES else "Pending",
                node=node(i) if i < NODES else None,
            )
            for i in range(PODS)
        ],
        pending_pods=[
            PendingPod(
                namespace="gpu-demo",
                name=pod(i),
                workload="dra-queue-pressure",
                reasons=["Unschedulable"],
                message=WAITING,
            )
            for i in range(NODES, PODS)
        ],
        observed=FleetOutcome(workloads=()),
        device_slices=[
            DeviceSlice(
                name=f"{node(i)}-gpu.nvidia.com-x7k2p",
                node=node(i),
                pool=node(i),
                devices=1,
                products=["NVIDIA-L4"],
                memory_mib=[23034],
            )
            for i in range(NODES)
        ],
        demo_claims=[
            DemoClaim(
                namespace="gpu-demo",
                name=f"{pod(i)}-gpu-q8v4r",
                workload="dra-queue-pressure",
                allocated=i < NODES,
                pools=[node(i)] if i < NODES else [],
                products=["NVIDIA-L4"] if i < NODES else [],
            )
            for i in range(PODS)
        ],
    )


def test_a_10000_node_dra_fleets_evidence_is_read_back_whole(tmp_path: Path) -> None:
    written = save_evidence(large_dra_fleet(), tmp_path)
    assert written.stat().st_size > 8 * files_in.MIB  # what the reader once refused
    evidence = load_evidence(tmp_path)
    assert len(evidence.nodes) == len(evidence.device_slices) == NODES
    assert len(evidence.demo_pods) == len(evidence.demo_claims) == PODS
    assert len(evidence.pending_pods) == PODS - NODES
    assert sum(claim.allocated for claim in evidence.demo_claims) == NODES
