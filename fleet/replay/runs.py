"""What happened to each pod of a trace, predicted or observed, in trace seconds."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PodRun:
    """One pod of a trace job: when its job arrived, when it ran, where, and when it ended.

    `start_s` and `end_s` are None for a pod that never ran (or never ended) within
    the replay; `node` and `pool` are where it ran. An observed pod also has the times
    its pod object was created and bound to its node (the prediction has no such steps).
    """

    job: str
    index: int
    gpus: int
    arrival_s: float
    start_s: float | None = None
    end_s: float | None = None
    node: str | None = None
    pool: str | None = None
    created_s: float | None = None
    bound_s: float | None = None
    evicted: bool = False
    """A pod deleted before it finished (a scheduler preempting or reclaiming its GPUs); the
    job's pod of that index is replaced. It held GPUs, but it is not the job's run."""

    @property
    def wait_s(self) -> float | None:
        return None if self.start_s is None else max(self.start_s - self.arrival_s, 0.0)
