"""A `replay.json` for report tests, without a cluster.

The observed runs are the prediction's model run with another seed: a stand-in with the
shape of an observation (for the report's tables and charts), not a claim about any
cluster. The e2e tier writes real ones (tests/e2e/test_8_replay.py).
"""

from pathlib import Path

from fleet.replay.document import REPLAY_FILE, ReplayDocument, dump
from fleet.replay.fleet_nodes import gpu_nodes
from fleet.replay.forecast import forecast
from fleet.replay.predict import predict
from fleet.stack.spec import FleetSpec
from fleet.trace.generate import Sizing, generate


def write_replay(folder: Path, spec: FleetSpec, jobs: int = 150) -> ReplayDocument:
    rows = generate(spec, "diurnal", Sizing(jobs=jobs, span_s=3 * 3600, load=0.9, seed=1))
    nodes = gpu_nodes(spec)
    prediction = forecast(rows, nodes)
    document = ReplayDocument(
        stack_file="stacks/Pulumi.test.yaml",
        spec=spec.model_dump(mode="json", by_alias=True),
        namespace="gpu-replay",
        replay="20261130-000000",
        speed=60,
        started_at="2026-11-30T00:00:00Z",
        wall_s=200.0,
        finished=True,
        jobs_created=len(rows),
        create_lag_s={"median": 0.01, "max": 0.2},
        rows=rows,
        predicted=prediction.central,
        predicted_bounds=prediction.bounds_table(),
        observed=predict(rows, nodes, "scheduler", seed=7),
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REPLAY_FILE).write_text(dump(document))
    return document
