"""The in-repo fixtures are exact copies of the shared ones (when ../shared is beside the clone)."""

from pathlib import Path

import pytest

from tests.paths import FIXTURES, ROOT

SHARED = ROOT.parent / "shared" / "fixtures"
COPIES = sorted(
    path for path in FIXTURES.glob("*/*") if path.parent.name in ("topology", "nvidia-smi")
)


def test_every_shared_fixture_is_copied() -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the clone")
    shared = sorted(path.relative_to(SHARED) for path in SHARED.glob("*/*"))
    assert [path.relative_to(FIXTURES) for path in COPIES] == shared


@pytest.mark.parametrize("copy", COPIES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_copy_is_unchanged(copy: Path) -> None:
    original = SHARED / copy.relative_to(FIXTURES)
    if not original.is_file():
        pytest.skip("../shared is not beside the clone")
    assert copy.read_bytes() == original.read_bytes()
