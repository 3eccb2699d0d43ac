"""`make demo`'s arguments and its failure before any cluster exists (no tools needed).

The demo itself runs in the e2e tier (tests/e2e/test_8_demo.py).
"""

import subprocess
import tempfile
from pathlib import Path

import pytest

from lab import demo
from tests.paths import ROOT


def test_defaults_tear_down_and_write_evidence_demo() -> None:
    args = demo.parse_args([])
    assert args.keep is False
    assert args.out == ROOT / "evidence" / "demo"


def test_keep_and_out_are_taken(tmp_path: Path) -> None:
    args = demo.parse_args(["--keep", "--out", str(tmp_path)])
    assert (args.keep, args.out) == (True, tmp_path)


def test_an_unknown_argument_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        demo.parse_args(["--nodes", "3"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --nodes 3" in capsys.readouterr().err


@pytest.mark.parametrize(("keep", "flag"), [("1", "--keep"), ("", ""), ("0", "")])
def test_make_passes_keep_only_when_asked(keep: str, flag: str) -> None:
    done = subprocess.run(
        ["make", "-n", "demo", f"KEEP={keep}"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    # Under `make test`, make prints "Entering/Leaving directory" lines around it.
    [command] = [line for line in done.stdout.splitlines() if "lab.demo" in line]
    assert command.split()[1:] == ["-m", "lab.demo", *filter(None, [flag])]


def test_without_go_and_tools_it_fails_clearly_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("GPU_FLEET_E2E_CACHE", str(cache))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    assert demo.main(["--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "make demo: FAILED: kwok-v0.7.0: not installed at the pinned version" in err
    assert "the Go toolchain is not on PATH" in err
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "out").exists()
