"""bench-e2e's rounds: the order its runners take in each round, and the rows (medians,
every run, and the ratios of each round) their timings give."""

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

RUNNERS = ("floor", "pulumi", "kubectl")
# operation -> (what the floor does, what kubectl does); None where there is no such run.
OPERATIONS: dict[str, tuple[str | None, str | None]] = {
    "up": ("up", "up"),
    "up-refresh-no-change": ("list", "diff"),
    "no-op-up-no-request": (None, None),
    "preview-plus-2": (None, None),
    "up-plus-2": ("up-plus-2", "up-plus-2"),
    "destroy": ("destroy", "destroy"),
}
# One round: runner -> its operation -> seconds.
Round = Mapping[str, Mapping[str, float]]


def orders(rounds: int) -> list[tuple[str, ...]]:
    """The runners' order in each round, rotated by one each round: over 3 rounds each
    runner goes first, second and last once."""
    turns = len(RUNNERS)
    return [RUNNERS[i % turns :] + RUNNERS[: i % turns] for i in range(rounds)]


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


@dataclass(frozen=True)
class Row:
    """One operation at one size: the engine's runs, the floor's and kubectl's (empty
    where the operation has none), in round order."""

    nodes: int
    operation: str
    runs: tuple[float, ...]
    floor_runs: tuple[float, ...] = ()
    kubectl_runs: tuple[float, ...] = ()

    @property
    def seconds(self) -> float:
        median = _median(self.runs)
        assert median is not None, "a row has at least one run of the engine"
        return median

    @property
    def floor_seconds(self) -> float | None:
        return _median(self.floor_runs)

    @property
    def baseline_seconds(self) -> float | None:
        return _median(self.kubectl_runs)

    @property
    def over_floor(self) -> float | None:
        return _ratio(self.seconds, self.floor_seconds)

    @property
    def over_kubectl(self) -> float | None:
        return _ratio(self.seconds, self.baseline_seconds)

    def over_floor_by_round(self) -> list[float | None]:
        """The engine's time over the floor's in the same round (same control plane
        history, neighbouring minutes)."""
        return [_ratio(a, b) for a, b in zip(self.runs, self.floor_runs, strict=False)]

    def as_json(self) -> dict[str, Any]:
        return {
            "nodes": self.nodes,
            "operation": self.operation,
            "seconds": self.seconds,
            "floor_seconds": self.floor_seconds,
            "baseline_seconds": self.baseline_seconds,
            "ratio_to_floor": self.over_floor,
            "ratio_to_kubectl": self.over_kubectl,
            "runs": list(self.runs),
            "floor_runs": list(self.floor_runs),
            "baseline_runs": list(self.kubectl_runs),
            "ratio_to_floor_by_round": self.over_floor_by_round(),
        }


def _ratio(value: float, base: float | None) -> float | None:
    return round(value / base, 3) if base else None


def rows(nodes: int, rounds: Sequence[Round]) -> list[Row]:
    """The rows of one size from its rounds (each with every runner's timings)."""
    found = []
    for operation, (on_floor, on_kubectl) in OPERATIONS.items():
        found.append(
            Row(
                nodes,
                operation,
                tuple(round(r["pulumi"][operation], 2) for r in rounds),
                tuple(round(r["floor"][on_floor], 2) for r in rounds) if on_floor else (),
                tuple(round(r["kubectl"][on_kubectl], 2) for r in rounds) if on_kubectl else (),
            )
        )
    return found
