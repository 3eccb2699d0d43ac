"""`fleet evidence` and `fleet report` on hostile paths, kubeconfigs and evidence."""

import json
from pathlib import Path

import pytest

from fleet.cli import main
from lab.recorded import LESSON1_STACK, ApiServer, lesson1_cluster
from tests.evidence.test_report import rows
from tests.hostile.run import run_fleet


def _evidence_args(kubeconfig: Path, out: Path) -> list[str]:
    return [
        "evidence",
        "--stack",
        str(LESSON1_STACK),
        "--kubeconfig",
        str(kubeconfig),
        "--out",
        str(out),
    ]


def test_evidence_out_that_is_a_file_is_refused_before_reading_the_cluster(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path
) -> None:
    api_server.serve(lesson1_cluster())
    out = tmp_path / "ev"
    out.write_text("not a folder")
    run_fleet(_evidence_args(kubeconfig, out)).assert_refused(f"{out}: exists and is not a folder")
    assert api_server.requests == []
    assert out.read_text() == "not a folder"


def test_evidence_out_whose_file_is_a_folder_is_refused_before_reading(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path
) -> None:
    api_server.serve(lesson1_cluster())
    (tmp_path / "ev" / "evidence.json").mkdir(parents=True)
    run = run_fleet(_evidence_args(kubeconfig, tmp_path / "ev"))
    run.assert_refused(f"{tmp_path}/ev/evidence.json: is a folder")
    assert api_server.requests == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("apiVersion: v1\nclusters: [\n", "not valid YAML: line 3, column 1"),
        (b"apiVersion: \xff\n", "not UTF-8 text: line 1"),
        (
            "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n",
            "once aliases are expanded",
        ),
        ("clusters: 5\ncontexts: 7\n", "cannot load the kubeconfig"),
    ],
    ids=["yaml-error", "not-utf8", "aliases", "wrong-shape"],
)
def test_broken_kubeconfigs(content: str | bytes, expected: str, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_bytes(content.encode() if isinstance(content, str) else content)
    run = run_fleet(_evidence_args(kubeconfig, tmp_path / "ev"))
    run.assert_refused(f"{kubeconfig}: ", expected)
    assert not (tmp_path / "ev").exists()


@pytest.mark.parametrize("where", ["folder", "file/report.md"])
def test_report_out_that_cannot_be_written(
    where: str, lesson1_evidence: Path, tmp_path: Path
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    run = run_fleet(["report", str(lesson1_evidence), "--out", str(tmp_path / where)])
    run.assert_refused(str(tmp_path / where))
    assert run.out == ""


def _edit(evidence: Path, change: object) -> None:
    path = evidence / "evidence.json"
    data = json.loads(path.read_text())
    assert callable(change)
    change(data)
    path.write_text(json.dumps(data))


def test_report_recomputes_from_the_pods_and_says_when_evidence_contradicts_itself(
    lesson1_evidence: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def rename_workloads(data: dict[str, list[dict[str, str]]]) -> None:
        for pod in data["demoPods"]:
            pod["workload"] = "renamed"

    _edit(lesson1_evidence, rename_workloads)
    assert main(["report", str(lesson1_evidence)]) == 1
    report = capsys.readouterr().out
    assert "- failed: evidence contradicts itself: the stored observed outcome" in report
    table = rows(report)
    assert table["queue-pressure"][-2:] == ["no pods", "**FAIL**"]
    assert table["renamed"][-1] == "**FAIL**"


def test_report_notices_stored_causes_its_messages_do_not_name(
    lesson1_evidence: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def swap_causes(data: dict[str, list[dict[str, object]]]) -> None:
        for pod in data["pendingPods"]:
            pod["reasons"] = ["Too many pods"]

    _edit(lesson1_evidence, swap_causes)
    assert main(["report", str(lesson1_evidence)]) == 1
    report = capsys.readouterr().out
    assert "evidence contradicts itself: the stored causes of Pending pods" in report
    assert "and 6 more" in report
    assert "Too many pods" not in rows(report)["queue-pressure"][2]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"a": "\xff"}', "not UTF-8 text: line 1"),
        ('{"spec": ' + "[" * 100_000, "nested deeper than 64 levels"),
        ('{"apiRequests":\n' + "9" * 5000 + "}", "line 2: a number of 5,000 characters"),
    ],
    ids=["not-utf8", "deep", "huge-number"],
)
def test_hostile_evidence_files(content: str | bytes, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "evidence.json"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    run_fleet(["report", str(tmp_path)]).assert_refused(f"{path}: ", expected)
    assert not (tmp_path / "report.md").exists()
