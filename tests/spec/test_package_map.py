"""One package map: docs/architecture.md names every package, and its import table says what
tests/spec/test_layers.py enforces.

A package added to fleet/, components/, lab/ or benchmarks/ fails here until the map has
a line for it and the layers test a rule for it; a package removed fails until its line
goes.
"""

import re

from tests.paths import ROOT
from tests.spec.test_layers import MAY_IMPORT, TOP_LEVEL_MAY_IMPORT

ARCHITECTURE = ROOT / "docs" / "architecture.md"
MAPPED = ("fleet", "components", "lab", "benchmarks")
# The test tiers the map names besides the fast tier's tests/.
TIERS = ("tests/", "tests/e2e/", "tests/e2e_kind/")
# Rows of the import table that are no package rule: entry points and the tests.
NOT_RULES = {"`fleet.cli`, `fleet.__main__`", "`__main__.py`", "`tests`"}
BACKTICKED = re.compile(r"`([a-z_.]+)`")


def section(heading: str) -> str:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def mapped_paths() -> set[str]:
    """The first column of each line of the map (the code block under "Packages")."""
    block = section("Packages").split("```\n", 2)[1]
    return {line.split()[0] for line in block.splitlines() if line.strip()}


def packages() -> set[str]:
    """Every Python package under the mapped folders, as `folder/`."""
    found = set()
    for top in MAPPED:
        for init in (ROOT / top).rglob("__init__.py"):
            found.add(f"{init.parent.relative_to(ROOT)}/")
    return found


def import_table() -> dict[str, set[str]]:
    """The import table: the first cell of each row -> the packages the second names
    (parenthesised remarks left out)."""
    rows = {}
    for line in section("Direction of imports").splitlines():
        if not line.startswith("| `"):
            continue
        package, allowed = (cell.strip() for cell in line.strip().strip("|").split(" | "))
        rows[package] = set(BACKTICKED.findall(re.sub(r"\([^)]*\)", "", allowed)))
    return rows


def test_the_map_names_every_package_and_nothing_else() -> None:
    wanted = packages() | set(TIERS) | {"__main__.py", "fleet/"}
    mapped = mapped_paths()
    assert wanted - mapped == set(), "packages missing from docs/architecture.md"
    assert mapped - wanted == set(), "docs/architecture.md maps what is not a package"


def test_the_layers_test_has_a_rule_for_every_package() -> None:
    fleet_packages = {
        path.removeprefix("fleet/").rstrip("/")
        for path in packages()
        if path.startswith("fleet/") and path.count("/") == 2
    }
    assert set(MAY_IMPORT) == fleet_packages
    assert set(TOP_LEVEL_MAY_IMPORT) == set(MAPPED)


def test_the_import_table_states_the_layers_tests_rules() -> None:
    table = import_table()
    rules = {
        f"`fleet.{package}`": {f"fleet.{below}" for below in allowed}
        for package, allowed in MAY_IMPORT.items()
    }
    rules |= {
        f"`{top}`": allowed for top, allowed in TOP_LEVEL_MAY_IMPORT.items() if top != "fleet"
    }
    assert set(table) == set(rules) | NOT_RULES
    for package, allowed in rules.items():
        assert table[package] == allowed, package
    assert table["`__main__.py`"] == {"components", "fleet"}


def test_fleet_init_points_at_the_map_instead_of_keeping_one() -> None:
    text = (ROOT / "fleet" / "__init__.py").read_text(encoding="utf-8")
    assert "docs/architecture.md" in text
    assert not any(f"`{package}`" in text for package in MAY_IMPORT)


LAYOUT = {
    "Pulumi.yaml",
    "__main__.py",
    "components/",
    "fleet/",
    "lab/",
    "stacks/",
    "examples/",
    "docs/",
    "tests/",
    "benchmarks/",
}


def test_readme_layout_names_the_top_level_folders_and_every_package() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("\n## Layout\n", 1)[1].split("```\n", 2)[1]
    named = {line.split()[0] for line in layout.splitlines() if line.strip()}
    assert named == LAYOUT
    assert all((ROOT / name).exists() for name in LAYOUT)
    top_packages = {f"{init.parent.name}/" for init in ROOT.glob("*/__init__.py")}
    assert top_packages <= named


def test_every_doc_is_in_the_index() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    docs = {path.name for path in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert {name for name in docs if f"]({name})" not in index} == set()
