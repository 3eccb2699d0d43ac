"""Synthetic node and pod lists in the layout of Alibaba's cluster-trace-gpu-v2023, seeded.

The real trace is not shipped (its licence is not stated). These files have its columns
and its scale: 1,200 GPU nodes with 6,000 GPUs across GPU models and node sizes, 8,000
scheduled GPU pods (most asking for one GPU, half of those a fraction of one; about a
third naming the GPU models they accept), plus CPU-only and never-scheduled pods that the
importer leaves out. Arrivals follow a day-shaped rate over `span_s`; run times are
heavy-tailed, cut at four times their median.
"""

import csv
import math
import random
from pathlib import Path

# (model, GPUs per node, nodes): 1,200 nodes, 6,000 GPUs.
NODE_GROUPS = (
    ("V100M32", 8, 400),
    ("V100M16", 8, 150),
    ("T4", 4, 200),
    ("T4", 2, 150),
    ("P100", 2, 200),
    ("A10", 1, 100),
)
POD_GPUS = ((1, 0.80), (2, 0.08), (4, 0.06), (8, 0.06))
CONSTRAINED_SHARE = 1 / 3
NODE_COLUMNS = ["sn", "cpu_milli", "memory_mib", "gpu", "model"]
POD_COLUMNS = [
    "name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec", "qos",
    "pod_phase", "creation_time", "deletion_time", "scheduled_time",
]  # fmt: skip


def write_nodes(path: Path) -> None:
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(NODE_COLUMNS)
        number = 0
        for model, gpus, nodes in NODE_GROUPS:
            for _ in range(nodes):
                writer.writerow([f"openb-node-{number:04d}", 96000, 786432, gpus, model])
                number += 1


def write_pods(
    path: Path,
    *,
    pods: int = 8000,
    cpu_only: int = 500,
    never_scheduled: int = 50,
    span_s: float = 18_000,
    median_run_s: float = 1200,
    seed: int = 2023,
) -> None:
    rng = random.Random(seed)  # noqa: S311 - seeded test data
    models_for = {
        gpus: sorted({model for model, size, _ in NODE_GROUPS if size >= gpus})
        for gpus, _ in POD_GPUS
    }
    rows: list[tuple[float, list[object]]] = []
    for number in range(pods + cpu_only + never_scheduled):
        while True:  # a day-shaped rate: busiest mid-span, a fifth of that at the ends
            created = rng.uniform(0, span_s)
            if rng.random() < 0.6 - 0.4 * math.cos(2 * math.pi * created / span_s):
                break
        gpus = rng.choices([g for g, _ in POD_GPUS], [w for _, w in POD_GPUS])[0]
        milli = rng.randrange(100, 1000, 100) if gpus == 1 and rng.random() < 0.5 else 1000
        spec = ""
        if rng.random() < CONSTRAINED_SHARE:
            allowed = models_for[gpus]
            spec = "|".join(sorted(rng.sample(allowed, min(len(allowed), rng.choice((1, 2))))))
        run = min(rng.lognormvariate(math.log(median_run_s), 0.8), 4 * median_run_s)
        scheduled: float | str = round(created + rng.uniform(0, 5), 3)
        deleted: float | str = round(float(scheduled) + run, 3)
        phase = "Succeeded"
        if number >= pods + cpu_only:
            gpus, scheduled, deleted, phase = 1, "", "", "Pending"
        elif number >= pods:
            gpus, milli, spec = 0, 0, ""
        qos = rng.choice(("LS", "BE", "Burstable"))
        name = f"openb-pod-{number:04d}"
        cells: list[object] = [name, 4000, 16384, gpus, milli if gpus else 0, spec, qos]
        rows.append((created, [*cells, phase, round(created, 3), deleted, scheduled]))
    rows.sort(key=lambda row: row[0])
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(POD_COLUMNS)
        writer.writerows(row for _, row in rows)
