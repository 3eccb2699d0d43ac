"""Links between the docs resolve: every relative link names a file that exists, and every
`file.md, "Heading"` reference names a heading of that file."""

import re
from pathlib import Path

import pytest

from tests.paths import ROOT

DOCUMENTS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "benchmarks" / "results").glob("*.md")),
]
LINK = re.compile(r"\]\(([^)#:]+)(?:#[^)]*)?\)")
SECTION = re.compile(r"(?:\]\(([^)#]+\.md)\)|([\w/.-]+\.md)),?\s+\"([^\"]+)\"")


def headings(path: Path) -> list[str]:
    return [
        line.lstrip("#").strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_links_and_section_references_resolve(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    broken = [target for target in LINK.findall(text) if not (document.parent / target).exists()]
    assert broken == []
    for linked, named, heading in SECTION.findall(" ".join(text.split())):
        target = document.parent / linked if linked else ROOT / named
        if not linked and not target.exists():
            target = document.parent / named
        assert target.exists(), f"{document.name}: {linked or named}"
        assert any(heading in found for found in headings(target)), f"{target.name}: {heading!r}"
