"""The table of `make bench-replay`'s runs, from benchmarks/results/replay.json: each run, the
median and the spread of the figures the write-up (benchmarks/results/replay.md) quotes.
`python -m benchmarks.replay_table` prints it; a fast test checks the write-up holds it.
"""

import json
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "replay.json"

Run = list[dict[str, Any]]


def value(run: Run, metric: str, **where: str) -> Any:
    for item in run:
        if item["metric"] == metric and all(item.get(k) == v for k, v in where.items()):
            return item["value"]
    return None


def total(run: Run, metric: str) -> float:
    return float(sum(item["value"] for item in run if item["metric"] == metric))


def trace_s(run: Run, metric: str) -> float:
    """A lag in wall seconds, in trace seconds at the run's speed."""
    return float(value(run, metric)) * float(value(run, "speed"))


FIGURES: list[tuple[str, str, Callable[[Run], Any]]] = [
    ("fleet up and Ready", "s", lambda run: value(run, "fleet_ready_s")),
    ("replay, wall time", "s", lambda run: value(run, "wall_s")),
    ("jobs finished", "jobs", lambda run: value(run, "jobs_finished")),
    ("GPU-hours predicted", "GPU-h", lambda run: total(run, "gpu_hours_predicted")),
    ("GPU-hours observed", "GPU-h", lambda run: total(run, "gpu_hours_observed")),
    ("mean wait predicted", "trace s", lambda run: value(run, "mean_wait_predicted_s")),
    ("mean wait observed", "trace s", lambda run: value(run, "mean_wait_observed_s")),
    (
        "probe latency, Job due to Running (median)",
        "trace s",
        lambda run: trace_s(run, "probe_start_latency_s"),
    ),
    (
        "pod created after arrival (mean)",
        "trace s",
        lambda run: value(run, "mean_wait_observed_pod_created_s"),
    ),
    ("lag Job due to Running, p95", "trace s", lambda run: trace_s(run, "lag_start_p95_s")),
    ("lag of KWOK's end, p95", "trace s", lambda run: trace_s(run, "lag_end_p95_s")),
    ("fidelity bound", "trace s", lambda run: value(run, "lag_bound_s")),
    ("faithful", "", lambda run: value(run, "faithful")),
    ("load average before", "", lambda run: value(run, "load_average_before")),
]


def _cell(item: Any) -> str:
    if isinstance(item, bool):
        return "yes" if item else "no"
    if isinstance(item, int | float):
        return f"{item:,.0f}" if abs(item) >= 100 else f"{item:,.1f}"
    return "-"


def _numbers(values: Sequence[Any]) -> list[float] | None:
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        return None
    return [float(v) for v in values]


def table(document: dict[str, Any]) -> str:
    runs: list[Run] = document["runs"]
    header = ["figure", "unit", *(f"run {n}" for n in range(1, len(runs) + 1))]
    lines = [
        "| " + " | ".join([*header, "median", "spread"]) + " |",
        "|" + "---|" * 2 + "---:|" * (len(runs) + 2),
    ]
    for name, unit, read in FIGURES:
        values = [read(run) for run in runs]
        numbers = _numbers(values)
        if numbers:
            middle = statistics.median(numbers)
            spread = (max(numbers) - min(numbers)) / middle if middle else 0.0
            tail = [_cell(middle), f"{spread:.1%}"]
        else:
            tail = ["-", "-"]
        lines.append("| " + " | ".join([name, unit, *map(_cell, values), *tail]) + " |")
    return "\n".join(lines) + "\n"


def cpu_table(document: dict[str, Any]) -> str:
    """CPU seconds per process of the lab during each replay (the probe included)."""
    runs: list[Run] = document["runs"]
    roles = [item["role"] for item in runs[0] if item["metric"] == "cpu_s"]
    lines = [
        "| process | " + " | ".join(f"run {n}" for n in range(1, len(runs) + 1)) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for role in roles:
        cells = [_cell(value(run, "cpu_s", role=role)) for run in runs]
        lines.append(f"| {role} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    document = json.loads(RESULTS.read_text())
    print(table(document))
    print(cpu_table(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
