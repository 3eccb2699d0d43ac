"""The layers of docs/architecture.md, checked: who imports whom, no cycles, no Pulumi in fleet."""

import ast
from pathlib import Path

import pytest

from tests.paths import ROOT

# What the report and the commands read: a replay, its comparison, and what they stand on.
REPORTED = {
    "comparison",
    "replay",
    "trace",
    "imports",
    "schedulers",
    "render",
    "demo",
    "stack",
    "heartbeat",
    "files",
}
# Each package of fleet/ and the packages it may import (besides itself).
MAY_IMPORT = {
    "files": set(),
    "cluster": set(),
    "heartbeat": set(),
    "reconcile": {"cluster", "render", "demo", "stack", "files"},
    "sharing": set(),
    "stack": {"sharing", "heartbeat", "files"},
    "demo": {"stack", "files"},
    "render": {"demo", "stack", "heartbeat", "files"},
    "imports": {"stack", "files"},
    "telemetry": {"render", "demo", "stack", "files"},
    "evidence": {"render", "demo", "stack", "files"},
    "schedulers": {"render", "demo", "stack", "files"},
    "recovery": {"files"},
    "trace": {"imports", "stack", "files"},
    "replay": {"trace", "imports", "schedulers", "render", "demo", "stack", "files"},
    "comparison": REPORTED - {"comparison"},
    "report": {"evidence", "telemetry", *REPORTED},
    "autoscale": {"render", "stack"},
    "commands": {"report", "evidence", "telemetry", *REPORTED, "recovery", "cluster", "autoscale"},
}
PRODUCT = sorted(
    [*(ROOT / "fleet").rglob("*.py"), *(ROOT / "components").glob("*.py"), ROOT / "__main__.py"]
)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__main__"


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


MODULES = {module_name(path): path for path in PRODUCT}


def own_imports(path: Path) -> set[str]:
    """The product modules `path` imports (a `from package import module` names the module)."""
    return {name for name in imports_of(path) if name in MODULES and MODULES[name] != path}


@pytest.mark.parametrize("path", PRODUCT, ids=lambda path: str(path.relative_to(ROOT)))
def test_fleet_imports_no_pulumi_and_each_package_only_those_below_it(path: Path) -> None:
    name = module_name(path)
    if not name.startswith("fleet."):
        return
    assert not any(imported.split(".")[0].startswith("pulumi") for imported in imports_of(path))
    package = name.split(".")[1]
    if package not in MAY_IMPORT:  # fleet.cli, fleet.__main__: the entry point
        return
    for imported in own_imports(path):
        below = imported.split(".")[1] if imported.startswith("fleet.") else imported
        assert below in MAY_IMPORT[package] | {package}, f"{name} imports {imported}"


def test_components_are_pulumi_wiring_over_fleet() -> None:
    for path in (ROOT / "components").glob("*.py"):
        imported = imports_of(path)
        if path.name != "__init__.py":
            assert any(name.startswith("pulumi") for name in imported), path.name
        assert not any(name.startswith(("tests", "benchmarks")) for name in imported)


def test_no_import_cycle() -> None:
    graph = {name: own_imports(path) for name, path in MODULES.items()}
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, " -> ".join((*trail, name))
        if name in done:
            return
        for imported in graph[name]:
            visit(imported, (*trail, name))
        done.add(name)

    for name in graph:
        visit(name, ())


# Each top-level package and the top-level packages it may import (besides itself).
TOP_LEVEL_MAY_IMPORT = {
    "fleet": set(),
    "components": {"fleet"},
    "lab": {"fleet"},
    "benchmarks": {"fleet", "lab", "components"},
}
TOP_LEVEL = {"fleet", "components", "lab", "benchmarks", "tests"}


def top_level_imports(folder: str) -> set[tuple[str, str]]:
    """(file, top-level package) for every import of a product package in `folder`."""
    found = set()
    for path in (ROOT / folder).rglob("*.py"):
        for name in imports_of(path):
            top = name.split(".")[0]
            if top in TOP_LEVEL:
                found.add((str(path.relative_to(ROOT)), top))
    return found


@pytest.mark.parametrize("folder", sorted(TOP_LEVEL_MAY_IMPORT))
def test_each_top_level_package_imports_only_what_its_rule_allows(folder: str) -> None:
    """The lab drives the program through the engine, as a user does: it imports no test,
    benchmark or component; benchmarks import no test; fleet and components no lab."""
    allowed = TOP_LEVEL_MAY_IMPORT[folder] | {folder}
    assert {(path, top) for path, top in top_level_imports(folder) if top not in allowed} == set()
