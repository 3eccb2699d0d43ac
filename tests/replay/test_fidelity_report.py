"""`fleet report` of a replay states the lab's fidelity above its figures: Faithful with the
bound, or Drifted with the cause; a `replay.json` written before fidelity was measured
still reads, without the verdict."""

from pathlib import Path

from fleet.cli import main
from fleet.replay.document import REPLAY_FILE, dump
from fleet.replay.fidelity import Fidelity, LagFigures
from fleet.stack.load import load_stack_file
from tests.paths import LESSON1_FILE
from tests.replay.documents import write_replay


def lag(p95: float) -> LagFigures:
    return LagFigures(count=100, median=p95 / 2, p95=p95, max=p95 * 2)


def with_fidelity(folder: Path, found: Fidelity) -> None:
    document = write_replay(folder, load_stack_file(LESSON1_FILE))
    (folder / REPLAY_FILE).write_text(dump(document.model_copy(update={"fidelity": found})))


def test_a_drifted_replay_says_so_and_why_in_both_reports(tmp_path: Path) -> None:
    found = Fidelity(
        speed=600,
        bound_s=30.0,
        stages={"job": lag(0.1), "pod": lag(4.0), "start": lag(5.0), "end": lag(0.02)},
        faithful=False,
        causes=["pods started up to 3,000 trace s (p95; 5.0 s of wall time) after their arrival"],
    )
    with_fidelity(tmp_path, found)
    assert main(["report", str(tmp_path)]) == 0
    markdown = (tmp_path / "report.md").read_text()
    verdict = markdown.split("## Replay: predicted and observed\n\n")[1].splitlines()[0]
    assert verdict.startswith("**Drifted**: the lab fell behind the trace at 600x")
    assert "pods started up to 3,000 trace s (p95; 5.0 s of wall time)" in verdict
    assert "Lag per stage, p95 in wall seconds: job 0.10, pod 4.00, end 0.02." in verdict
    page = (tmp_path / "report.html").read_text()
    assert '<p id="fidelity">Drifted: the lab fell behind the trace at 600x' in page


def test_a_faithful_replay_states_its_bound(tmp_path: Path) -> None:
    found = Fidelity(
        speed=60, bound_s=45.0, stages={"start": lag(0.4), "end": lag(0.1)}, faithful=True
    )
    with_fidelity(tmp_path, found)
    assert main(["report", str(tmp_path)]) == 0
    markdown = (tmp_path / "report.md").read_text()
    assert "**Faithful**: the lab kept up with the trace at 60x (the bound: p95 lag within " in (
        markdown
    )
    assert "45 trace s, 5% of the trace's median pod duration or 20% of its predicted mean " in (
        markdown
    )


def test_a_replay_json_from_before_fidelity_reads_without_a_verdict(tmp_path: Path) -> None:
    write_replay(tmp_path, load_stack_file(LESSON1_FILE))
    assert main(["report", str(tmp_path)]) == 0
    markdown = (tmp_path / "report.md").read_text()
    assert "Faithful" not in markdown
    assert "Drifted" not in markdown
    assert 'id="fidelity"' not in (tmp_path / "report.html").read_text()
