"""`replay.json`: what a replay ran and what it gave, predicted and observed; the report's input."""

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from fleet.files import files_in
from fleet.files.files_in import MAX_EVIDENCE_BYTES
from fleet.replay.fidelity import Fidelity
from fleet.replay.probe import ProbeResult
from fleet.replay.runs import PodRun
from fleet.trace.model import TraceRow

REPLAY_FILE = "replay.json"
MAX_REPLAY_BYTES = 8 * MAX_EVIDENCE_BYTES


class ReplayDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stack_file: str
    spec: dict[str, Any]
    namespace: str
    replay: str
    speed: float
    scheduler: str | None = None
    started_at: str
    wall_s: float
    finished: bool
    jobs_created: int
    create_lag_s: dict[str, float]
    rows: list[TraceRow]
    predicted: list[PodRun]
    predicted_bounds: dict[str, tuple[float, float]]
    observed: list[PodRun]
    notes: list[str] = []
    fidelity: Fidelity | None = None
    """How far the lab was behind the trace, and the verdict (None: a replay.json from
    before fidelity was measured)."""
    probes: list[ProbeResult] = []
    """The probes run before the replay (`fleet.replay.probe`), the last at its speed."""


class ReplayFileError(Exception):
    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")


def load_replay(folder: Path) -> ReplayDocument:
    path = folder / REPLAY_FILE
    source = str(path)
    try:
        document = files_in.load_json(
            files_in.read_text(path, MAX_REPLAY_BYTES),
            source,
            files_in.MAX_JSON_VALUES * 4,
            files_in.MAX_JSON_COLLECTIONS * 4,
        )
        return ReplayDocument.model_validate(document)
    except files_in.FileProblem as error:
        raise ReplayFileError(source, error.problem) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ReplayFileError(source, f"{where}: {first['msg']} (not a replay.json?)") from None


def dump(document: ReplayDocument) -> str:
    return document.model_dump_json(indent=1) + "\n"
