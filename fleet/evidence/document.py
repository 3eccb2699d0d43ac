"""`evidence.json`: all the report needs; written by `fleet evidence`, read by `fleet report`."""

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, FailFast, Field, ValidationError
from pydantic.alias_generators import to_camel

from fleet.demo.outcome import FleetOutcome, WorkloadKind
from fleet.files import files_in, files_out
from fleet.files.files_in import cut

EVIDENCE_FILE = "evidence.json"
# Validation problems listed in one message; the rest are counted.
MAX_PROBLEMS = 20


T = TypeVar("T")
# A list that stops validating at its first bad item: a million bad items would
# otherwise make a million errors (gigabytes) before the first is reported.
Items = Annotated[list[T], FailFast()]


class EvidenceError(Exception):
    """Evidence that cannot be read or does not match the schema. `str()` is the message."""


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Versions(_Model):
    kubernetes: str | None
    kwok_controller_images: Items[str]
    operator_charts: Items[str]
    operator_images: Items[str]


class NodeGpus(_Model):
    """One node's `nvidia.com/gpu` figures; None where the resource is not advertised."""

    name: str
    fake: bool
    pool: str | None
    product: str | None
    gpu_capacity: int | None
    gpu_allocatable: int | None
    # The field manager that last wrote `nvidia.com/gpu` into the node's status
    # (from its managedFields): which program advertised the GPUs.
    gpu_advertised_by: str | None = None


class DemoPod(_Model):
    name: str
    workload: str
    kind: WorkloadKind
    phase: str
    node: str | None


class PendingPod(_Model):
    """A Pending pod and what its latest FailedScheduling event said."""

    namespace: str
    name: str
    workload: str | None
    reasons: Items[str]
    message: str | None


class DeviceSlice(_Model):
    """One ResourceSlice of the GPU driver, as its devices describe the node's GPUs."""

    name: str
    node: str | None
    pool: str
    devices: int
    products: list[str]
    # Each device's `memory` capacity in MiB; None where it is missing or not whole MiB.
    memory_mib: list[int | None]


class DemoClaim(_Model):
    """A demo pod's ResourceClaim and where its devices were allocated."""

    namespace: str
    name: str
    workload: str
    allocated: bool
    # The allocated devices' pools (the KWOK DRA plugin names a pool after its node).
    pools: list[str]
    # The allocated devices' products, as their ResourceSlices say.
    products: list[str]


MAX_PROVENANCE_CHARS = 1000


class Evidence(_Model):
    schema_version: Literal[1] = 1
    captured_at: datetime
    stack_file: str
    # The stack's validated fleet spec as written in a stack file (by alias),
    # so that the report can recompute the expected outcome.
    spec: dict[str, Any]
    api_requests: int
    versions: Versions
    nodes: Items[NodeGpus]
    demo_pods: Items[DemoPod]
    pending_pods: Items[PendingPod]
    observed: FleetOutcome
    # Read only when the stack offers GPUs by DRA.
    device_slices: list[DeviceSlice] = Field(default_factory=list)
    demo_claims: list[DemoClaim] = Field(default_factory=list)
    # Where the evidence came from: the API server and kubeconfig context read, and what
    # `fleet evidence --provenance` said about the run (absent from older evidence).
    server: str | None = None
    context: str | None = None
    provenance: str | None = Field(default=None, max_length=MAX_PROVENANCE_CHARS)


def save_evidence(evidence: Evidence, directory: Path) -> Path:
    path = directory / EVIDENCE_FILE
    files_out.write_text(path, evidence.model_dump_json(by_alias=True, indent=2) + "\n")
    return path


def load_evidence(directory: Path) -> Evidence:
    path = directory / EVIDENCE_FILE
    if not path.exists():
        raise EvidenceError(
            f"{path}: cannot read the evidence (no such file); run `gpu-fleet evidence` first"
        )
    try:
        document = files_in.read_json(
            path,
            files_in.MAX_EVIDENCE_BYTES,
            files_in.MAX_EVIDENCE_VALUES,
            files_in.MAX_EVIDENCE_COLLECTIONS,
        )
    except files_in.FileProblem as error:
        raise EvidenceError(str(error)) from None
    try:
        return Evidence.model_validate(document)
    except ValidationError as error:
        problems = [
            f"  {cut('.'.join(str(part) for part in detail['loc'])) or '<root>'}: {detail['msg']}"
            for detail in error.errors()[:MAX_PROBLEMS]
        ]
        if error.error_count() > MAX_PROBLEMS:
            problems.append(f"  ... and {error.error_count() - MAX_PROBLEMS} more")
        raise EvidenceError("\n".join([f"{path}: not fleet evidence", *problems])) from None
