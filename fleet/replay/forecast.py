"""The prediction of a trace on a fleet, with bounds where the scheduler's scoring decides.

The central run follows the default scheduler's own node choice (`scheduler` policy,
seed 0: nodes in declaration order); shuffled node orders for it and a random choice
(`SEEDS` seeds each), packing and spreading bracket what other node choices would give.
A figure's bounds are the lowest and highest it takes over all these runs: the spread of
plausible outcomes, not a proof.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fleet.replay.fleet_nodes import GpuNode
from fleet.replay.predict import POLICIES, predict
from fleet.replay.runs import PodRun
from fleet.replay.timeline import Timeline, timeline
from fleet.trace.model import TraceRow

SEEDS = 3


@dataclass(frozen=True)
class Forecast:
    central: list[PodRun]
    timelines: dict[str, Timeline]
    """Every run's timeline by name (`scheduler-0` is the central one)."""

    @property
    def timeline(self) -> Timeline:
        return self.timelines["scheduler-0"]

    def bounds(self, figure: Callable[[Timeline], float]) -> tuple[float, float]:
        values = [figure(run) for run in self.timelines.values()]
        return min(values), max(values)

    def bounds_table(self) -> dict[str, tuple[float, float]]:
        """Bounds of the figures a replay compares, keyed as `replay.json` names them."""
        pools = self.timeline.gpu_hours
        table = {
            f"gpu_hours:{pool}": self.bounds(lambda run, pool=pool: run.gpu_hours[pool])  # type: ignore[misc]
            for pool in pools
        }
        table["mean_wait_s"] = self.bounds(lambda run: run.mean_wait_s)
        table["stranded_gpu_hours"] = self.bounds(lambda run: sum(run.stranded_gpu_hours.values()))
        table["end_s"] = self.bounds(lambda run: run.end_s)
        return table


def forecast(rows: Sequence[TraceRow], nodes: Sequence[GpuNode], seeds: int = SEEDS) -> Forecast:
    timelines: dict[str, Timeline] = {}
    central: list[PodRun] = []
    for policy in POLICIES:
        seeded = policy in ("scheduler", "random")
        for seed in range(seeds if seeded else 1):
            runs = predict(rows, nodes, policy, seed)
            name = f"{policy}-{seed}" if seeded else policy
            timelines[name] = timeline(rows, nodes, runs)
            if name == "scheduler-0":
                central = runs
    return Forecast(central, timelines)


def unschedulable(rows: Sequence[TraceRow], nodes: Sequence[GpuNode]) -> list[TraceRow]:
    """Rows whose pods fit on no node of the fleet, however empty: they would wait forever."""
    return [
        row
        for row in rows
        if not any(
            row.wants(n.pool, n.product, n.offer) and n.gpus >= row.gpus_per_pod for n in nodes
        )
    ]
