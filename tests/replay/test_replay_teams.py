"""`fleet replay` on a scheduler stack: every job must name one of the stack's teams, refused
before anything is predicted or created (no cluster is needed to be refused)."""

from pathlib import Path

import pytest

from fleet.cli import main
from tests.paths import STACKS_DIR

HEADER = "arrival_s,job,gpus_per_pod,duration_s,team\n"


def test_a_job_outside_the_stacks_teams_is_refused_on_a_kueue_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "trace.csv"
    trace.write_text(HEADER + "0,a,1,10,prod\n1,b,1,10,\n2,c,1,10,finance\n")
    stack = STACKS_DIR / "Pulumi.lesson1-kueue.yaml"
    assert main(["replay", str(stack), str(trace), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "job b: team (none) is not a team of the stack" in error
    assert "job c: team finance is not a team of the stack" in error
    assert "its teams: research, prod" in error
    assert "job a" not in error
    assert not (tmp_path / "out").exists()
