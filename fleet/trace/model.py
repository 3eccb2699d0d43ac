"""One trace row: a job that arrives, asks for GPUs on some pool or product, and runs."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from fleet.stack.spec import MAX_GPUS_PER_NODE, DnsLabel, LabelValue, PoolName
from fleet.stack.utilization import Utilization

# A job's name becomes a Job's name (and a prefix of its pods' names).
JobName = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=52)
]
MAX_PODS_PER_JOB = 1000
MAX_TRACE_ROWS = 100_000
# A year: a real cluster trace spans months; a replay compresses it.
MAX_SECONDS = 365 * 24 * 3600.0
MAX_PRIORITY = 1_000_000_000
ANY = "any"
# How a pod asks for its GPUs: `nvidia.com/gpu` (the device plugin) or a DRA claim.
PodOffer = Literal["devicePlugin", "dra"]
DEVICE_PLUGIN: PodOffer = "devicePlugin"
DRA: PodOffer = "dra"


class TraceRow(BaseModel):
    """A job of the trace, as one CSV row (columns in `COLUMNS`).

    `pool` names one pool of the fleet, `product` one GPU product or several separated
    by `|` (any of them); both empty (or `any`) means any GPU node. `offer` says how each
    pod asks for its GPUs: `devicePlugin` (`nvidia.com/gpu`) or `dra` (a ResourceClaim
    for `gpus_per_pod` devices); None leaves it to the stack (`for_stack` in
    `fleet.replay.fleet_nodes`) and means the device plugin below that. Times are seconds
    of trace time: `arrival_s` from the trace's start, `duration_s` each pod's run.
    `team` names the team that submits it (a team of a kueue or kai stack, whose
    queue it joins and in whose namespace it runs); empty: no team. `util` (the
    column; `utilization` here) is the simulated GPU utilization of its pods, a range
    of percentages such as `20-40`; empty: the operator's own default.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    arrival_s: float = Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)
    job: JobName
    pods: int = Field(default=1, ge=1, le=MAX_PODS_PER_JOB)
    gpus_per_pod: int = Field(ge=1, le=MAX_GPUS_PER_NODE)
    offer: PodOffer | None = None
    pool: PoolName | None = None
    products: tuple[LabelValue, ...] = ()
    duration_s: float = Field(gt=0, le=MAX_SECONDS, allow_inf_nan=False)
    priority: int | None = Field(default=None, ge=-MAX_PRIORITY, le=MAX_PRIORITY)
    team: DnsLabel | None = None
    utilization: Utilization | None = Field(default=None, alias="util")

    @model_validator(mode="after")
    def _one_constraint(self) -> "TraceRow":
        if self.pool is not None and self.products:
            raise ValueError("give a pool or products, not both")
        return self

    @property
    def pod_gpus(self) -> int:
        return self.pods * self.gpus_per_pod

    @property
    def gpu_seconds(self) -> float:
        return self.pod_gpus * self.duration_s

    @property
    def asks_by(self) -> PodOffer:
        return self.offer or DEVICE_PLUGIN

    @property
    def asks(self) -> str:
        """What each pod asks for, in words: `4 GPUs (nvidia.com/gpu)`, `2 GPUs by DRA claim`."""
        how = "by DRA claim" if self.asks_by == DRA else "(nvidia.com/gpu)"
        return f"{self.gpus_per_pod} GPU{'s' if self.gpus_per_pod > 1 else ''} {how}"

    def wants(self, pool: str, product: str, offer: PodOffer) -> bool:
        """Whether a node of `pool` (with GPUs of `product`) offering GPUs by `offer`
        satisfies this job's constraint and the way its pods ask for GPUs."""
        if offer != self.asks_by:
            return False
        if self.pool is not None:
            return pool == self.pool
        return not self.products or product in self.products

    @property
    def constraint(self) -> str:
        if self.pool is not None:
            return f"pool {self.pool}"
        return f"product {'|'.join(self.products)}" if self.products else ANY


COLUMNS = (
    "arrival_s",
    "job",
    "pods",
    "gpus_per_pod",
    "pool",
    "product",
    "duration_s",
    "priority",
    "offer",
    "team",
    "util",
)
REQUIRED = ("arrival_s", "job", "gpus_per_pod", "duration_s")
