from pathlib import Path

import pytest

from tests.hostile.run import Write


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write bytes or text to a file in tmp_path; returns its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
        return path

    return _write
