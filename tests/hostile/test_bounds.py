"""Memory of whole `python -m fleet` processes on the heaviest inputs within the caps.

Their time is measured by `make bench`, not asserted here.
"""

from pathlib import Path

import pytest

from lab.heaviest import HEAVIEST, refuse_heaviest, write_heaviest

MAX_RSS_MIB = 500


@pytest.mark.parametrize("command", HEAVIEST)
def test_heaviest_input_is_refused_in_bounded_memory(command: str, tmp_path: Path) -> None:
    refusal = refuse_heaviest(command, write_heaviest(command, tmp_path))
    assert refusal.code == 2, refusal.stderr
    assert str(refusal.path) in refusal.stderr
    assert "Traceback" not in refusal.stderr
    assert refusal.peak_rss_mib < MAX_RSS_MIB
