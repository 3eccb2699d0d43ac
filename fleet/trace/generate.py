"""Seeded traces of a few shapes, sized from a fleet so that they load it as asked.

Every shape draws arrivals over `span_s` seconds, a GPU count per pod that some node
of the fleet can hold, and a pool constraint for a share of the jobs (about a third
of the Alibaba 2023 trace's GPU tasks name a GPU model); durations are scaled so
that the GPU-seconds asked for are `load` times what the fleet has over the span.
Every row asks for its GPUs by `offer`, or leaves it to the stack at replay time (None).
"""

import math
import random
from dataclasses import dataclass
from typing import Literal

from fleet.stack.spec import FleetSpec
from fleet.trace.model import MAX_SECONDS, PodOffer, TraceRow

Shape = Literal["steady", "burst", "diurnal", "big-job-mix"]
SHAPES: tuple[Shape, ...] = ("steady", "burst", "diurnal", "big-job-mix")
# GPUs per pod and their weights: most jobs want one GPU, a few a whole node.
POD_GPUS = ((1, 0.70), (2, 0.12), (4, 0.10), (8, 0.08))
CONSTRAINED_SHARE = 1 / 3
BURSTS = 4
DAY_S = 24 * 3600.0


@dataclass(frozen=True)
class Sizing:
    jobs: int = 200
    span_s: float = 3600.0
    load: float = 0.8
    seed: int = 1


def _arrivals(shape: Shape, sizing: Sizing, rng: random.Random) -> list[float]:
    span = sizing.span_s
    if shape == "burst":
        centres = sorted(rng.uniform(0, span * 0.8) for _ in range(BURSTS))
        times = [rng.choice(centres) + rng.expovariate(60 / span) for _ in range(sizing.jobs)]
    elif shape == "diurnal":
        # A rate that peaks mid-span and falls to a fifth of its peak at the ends
        # (one day folded onto the span), drawn by rejection.
        times = []
        while len(times) < sizing.jobs:
            at = rng.uniform(0, span)
            if rng.random() < 0.6 - 0.4 * math.cos(2 * math.pi * at / span):
                times.append(at)
    else:
        times = [rng.uniform(0, span) for _ in range(sizing.jobs)]
    return sorted(min(max(at, 0.0), span) for at in times)


def _pod_gpus(rng: random.Random, largest: int) -> int:
    sizes = [(gpus, weight) for gpus, weight in POD_GPUS if gpus <= largest] or [(1, 1.0)]
    return rng.choices([g for g, _ in sizes], [w for _, w in sizes])[0]


def _pods(shape: Shape, rng: random.Random, gpus: int, largest: int) -> int:
    """Big-job mix: one job in ten is several whole-node pods (a data-parallel training)."""
    if shape == "big-job-mix" and gpus == largest and rng.random() < 0.5:
        return rng.choice((2, 4, 8))
    return 1


def generate(
    spec: FleetSpec, shape: Shape, sizing: Sizing, offer: PodOffer | None = None
) -> list[TraceRow]:
    rng = random.Random(f"{shape}-{sizing.seed}")  # noqa: S311 - seeded on purpose
    largest = spec.largest_pod_gpus
    pools = list(spec.pools.items())
    weights = [pool.gpus for _, pool in pools]
    drafts: list[tuple[float, int, int, str | None, float]] = []
    for arrival in _arrivals(shape, sizing, rng):
        pool_name: str | None = None
        limit = largest
        if rng.random() < CONSTRAINED_SHARE:
            pool_name, pool = rng.choices(pools, weights)[0]
            limit = pool.gpus_per_node
        gpus = _pod_gpus(rng, limit)
        pods = _pods(shape, rng, gpus, largest)
        # Heavy-tailed run times, the tail cut at e^2 times the median.
        relative = min(rng.lognormvariate(0, 1.0), math.e**2)
        drafts.append((arrival, pods, gpus, pool_name, relative))
    asked = sum(pods * gpus * relative for _, pods, gpus, _, relative in drafts)
    scale = sizing.load * spec.total_gpus * sizing.span_s / asked
    return [
        TraceRow(
            arrival_s=round(arrival, 3),
            job=f"{shape}-{index:05d}",
            pods=pods,
            gpus_per_pod=gpus,
            pool=pool_name,
            offer=offer,
            duration_s=round(min(max(relative * scale, 1.0), MAX_SECONDS), 3),
        )
        for index, (arrival, pods, gpus, pool_name, relative) in enumerate(drafts)
    ]
