"""Command lines the docs show, for the scenarios that must run exactly what they say."""

from pathlib import Path

from lab.paths import ROOT


def documents() -> list[Path]:
    """README.md and the docs, where a user reads the commands."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def console_commands(heading: str, stack: str) -> list[str]:
    """The `$ ` lines of the first ```console block under `heading` (a heading line that
    one document of `documents()` has), with `<stack>` replaced by the stack's name."""
    found = [doc for doc in documents() if heading in doc.read_text().splitlines()]
    assert len(found) == 1, f"{heading!r} is a heading of {len(found)} documents, not 1"
    lines = found[0].read_text().splitlines()
    start = lines.index(heading)
    opening = next(i for i in range(start, len(lines)) if lines[i].startswith("```console"))
    commands = []
    for line in lines[opening + 1 :]:
        if line.startswith("```"):
            break
        if line.startswith("$ "):
            commands.append(line[2:].split("  #", 1)[0].strip().replace("<stack>", stack))
    assert commands, f"{found[0].name}: no commands under {heading!r}"
    return commands
