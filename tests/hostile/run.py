"""Run `python -m fleet` in this process on hostile input, and what to assert of every run."""

import contextlib
import io
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fleet.cli import main
from tests.paths import LESSON1_FILE

LESSON1 = LESSON1_FILE.read_text(encoding="utf-8")
MAX_STDERR = 20_000


@dataclass
class Run:
    code: int | str | None
    out: str
    err: str

    def assert_refused(self, *expected: str) -> None:
        """Exit 2, a short message without a traceback, containing each `expected` text."""
        assert self.code == 2, self.err
        self.assert_clean()
        for text in expected:
            assert text in self.err

    def assert_clean(self) -> None:
        assert "Traceback" not in self.err
        assert len(self.err) < MAX_STDERR


def run_fleet(argv: Sequence[str], stdin: bytes | None = None) -> Run:
    """`python -m fleet ARGV` in this process; an exception is kept as a traceback on stderr."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    code: int | str | None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    except SystemExit as exit_:  # argparse refuses an option
        code = exit_.code
    except Exception:
        code = "exception"
        err.write(traceback.format_exc())
    finally:
        sys.stdin = saved
    return Run(code, out.getvalue(), err.getvalue())


Write = Callable[[str, str | bytes], Path]
