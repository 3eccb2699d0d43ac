"""One trace row: a job that arrives, asks for GPUs on some pool or product, and runs."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from fleet.stack.spec import MAX_GPUS_PER_NODE, DnsLabel, LabelValue, PoolName

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


class TraceRow(BaseModel):
    """A job of the trace, as one CSV row (columns in `COLUMNS`).

    `pool` names one pool of the fleet, `product` one GPU product or several separated
    by `|` (any of them); both empty (or `any`) means any GPU node. Times are seconds
    of trace time: `arrival_s` from the trace's start, `duration_s` each pod's run.
    `team` names the team that submits it (a team of a kueue or kai stack, whose
    queue it joins and in whose namespace it runs); empty: no team.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    arrival_s: float = Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)
    job: JobName
    pods: int = Field(default=1, ge=1, le=MAX_PODS_PER_JOB)
    gpus_per_pod: int = Field(ge=1, le=MAX_GPUS_PER_NODE)
    pool: PoolName | None = None
    products: tuple[LabelValue, ...] = ()
    duration_s: float = Field(gt=0, le=MAX_SECONDS, allow_inf_nan=False)
    priority: int | None = Field(default=None, ge=-MAX_PRIORITY, le=MAX_PRIORITY)
    team: DnsLabel | None = None

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

    def wants(self, pool: str, product: str) -> bool:
        """Whether a node of `pool` (with GPUs of `product`) satisfies this job's constraint."""
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
    "team",
)
REQUIRED = ("arrival_s", "job", "gpus_per_pod", "duration_s")
