"""Command lines README.md shows, for the scenarios that must run exactly what it says."""

from lab.paths import ROOT


def console_commands(heading: str, stack: str) -> list[str]:
    """The `$ ` lines of the first ```console block under `heading`, with `<stack>`
    replaced by the stack's name."""
    lines = (ROOT / "README.md").read_text().splitlines()
    start = lines.index(heading)
    opening = next(i for i in range(start, len(lines)) if lines[i].startswith("```console"))
    commands = []
    for line in lines[opening + 1 :]:
        if line.startswith("```"):
            break
        if line.startswith("$ "):
            commands.append(line[2:].split("  #", 1)[0].strip().replace("<stack>", stack))
    assert commands, f"README.md: no commands under {heading!r}"
    return commands
