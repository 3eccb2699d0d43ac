"""`fleet report` writes a self-contained HTML page beside the Markdown: the fleet, the
lesson-1 table, and a replay's figures and charts."""

import re
from pathlib import Path

import pytest

from fleet.cli import main
from fleet.stack.load import load_stack_file
from tests.paths import LESSON1_FILE
from tests.replay.documents import write_replay

CHARTS = ("chart-gpus", "chart-queue", "chart-waits", "chart-stranded")


def test_evidence_alone_gives_the_fleet_and_the_lesson1_table(lesson1_evidence: Path) -> None:
    assert main(["report", str(lesson1_evidence)]) == 0
    page = (lesson1_evidence / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<td>NVIDIA-A100-SXM4-80GB</td>" in page
    assert "<td>queue-pressure</td><td>Deployment</td>" in page
    assert "31 Running, 9 Pending (Insufficient nvidia.com/gpu)" in page
    assert not any(chart in page for chart in CHARTS)
    assert "Replay" not in (lesson1_evidence / "report.md").read_text()


def test_a_replay_adds_its_figures_and_four_charts(
    lesson1_evidence: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = write_replay(lesson1_evidence, load_stack_file(LESSON1_FILE))
    assert main(["report", str(lesson1_evidence)]) == 0
    markdown = (lesson1_evidence / "report.md").read_text()
    assert "**Result: PASS**" in markdown
    assert "## Replay: predicted and observed" in markdown
    assert re.search(r"\| gpu_hours \(a100\) \| [0-9.,]+ \| [0-9.,]+ - [0-9.,]+ \|", markdown)
    page = (lesson1_evidence / "report.html").read_text()
    for chart in CHARTS:
        figure = re.search(rf'<figure id="{chart}"><svg .*?</svg>', page, re.S)
        assert figure is not None, chart
        assert figure.group(0).count("<path") > 10, chart
    assert f"{len(document.rows)} jobs replayed at 60x" in page
    assert capsys.readouterr().out == markdown


def test_the_page_fetches_nothing_and_runs_no_script(tmp_path: Path) -> None:
    write_replay(tmp_path, load_stack_file(LESSON1_FILE))
    assert main(["report", str(tmp_path)]) == 0
    page = (tmp_path / "report.html").read_text()
    assert "<script" not in page
    # No attribute points outside the page (SVG namespaces are names, not fetches).
    fetched = re.findall(r'(?:src|href)="([^"#][^"]*)"', page)
    assert fetched == []
    assert "@import" not in page
    assert all(target.startswith("#") for target in re.findall(r"url\(([^)]*)\)", page))


def test_a_replay_folder_without_evidence_gets_both_reports(tmp_path: Path) -> None:
    write_replay(tmp_path, load_stack_file(LESSON1_FILE))
    assert main(["report", str(tmp_path)]) == 0
    assert (tmp_path / "report.md").read_text().startswith("# Replay report")
    assert "chart-queue" in (tmp_path / "report.html").read_text()


def test_a_spoilt_replay_file_is_named_with_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "replay.json").write_text('{"speed": "fast"}')
    assert main(["report", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert f"{tmp_path}/replay.json: " in error
    assert "not a replay.json?" in error
    assert not (tmp_path / "report.html").exists()
