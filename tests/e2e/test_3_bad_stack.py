"""A bad stack file stops `pulumi up` before any resource exists, with `fleet check`'s words."""

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from lab.cluster import Cluster
from lab.engine import FleetStack
from lab.lesson1 import lesson1_config
from lab.tools import Engine
from tests.e2e.test_1_lesson1 import fleet_cli

pytestmark = pytest.mark.e2e


def _zero_gpus(config: dict[str, Any]) -> None:
    config["pools"]["a100"]["gpusPerNode"] = 0


def _misspelt_key(config: dict[str, Any]) -> None:
    config["demoo"] = config.pop("demo")


@pytest.mark.parametrize("spoil", [_zero_gpus, _misspelt_key], ids=["zero-gpus", "typo-demoo"])
def test_bad_stack_file_stops_up_with_the_check_message(
    engine: Engine,
    cluster: Cluster,
    tmp_path_factory: pytest.TempPathFactory,
    spoil: Callable[[dict[str, Any]], None],
) -> None:
    stack = FleetStack(engine, tmp_path_factory.mktemp("bad"), "e2e-bad")
    config = lesson1_config(cluster)
    spoil(config)
    stack.write_config(config)

    check = fleet_cli("check", str(stack.stack_file))
    assert check.returncode == 2
    problems = [line.strip() for line in check.stderr.splitlines()[1:] if line.strip()]
    assert problems, check.stderr

    with pytest.raises(auto.CommandError) as raised:
        stack.up()
    for problem in problems:
        assert problem in str(raised.value)
    assert "Traceback" not in str(raised.value)
    # Named as the engine's project has it (stackConfigDir of its Pulumi.yaml).
    assert "error: stacks/Pulumi.e2e-bad.yaml: invalid fleet spec" in str(raised.value)
    assert stack.resource_names() == []


# A plain value YAML 1.1 and the engine's YAML reader could read differently, in place of
# a line of the lesson-1 stack file as `FleetStack.write_config` writes it.
# Pulumi 3.259.0 reads 010 as 8 (as YAML 1.1 does), 0o2 as 2, 1e1 as 10, 1:20 and yes as
# text; the program refuses them all, as `fleet check` does.
TWO_WAYS = {
    "leading-zero": ("nodes: 2", "nodes: 010"),
    "yaml-1.2-octal": ("nodes: 2", "nodes: 0o2"),
    "exponent": ("nodes: 2", "nodes: 1e1"),
    "base-60": ("nodes: 2", "nodes: 1:20"),
    "yes": ("enabled: true", "enabled: yes"),
}


@pytest.fixture(scope="module")
def two_ways_stack(
    engine: Engine, cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> FleetStack:
    """Created before its file is written: the engine rewrites (and so normalises, `010` to
    8) a stack file that has no encryption salt yet, on its first command."""
    stack = FleetStack(engine, tmp_path_factory.mktemp("two-ways"), "e2e-two-ways")
    assert stack.stack.name == "e2e-two-ways"
    stack.write_config(lesson1_config(cluster))
    return stack


@pytest.mark.parametrize("case", TWO_WAYS, ids=str)
def test_a_value_read_two_ways_is_refused_by_check_and_preview_alike(
    two_ways_stack: FleetStack, case: str
) -> None:
    """`fleet check` reads YAML 1.1; the engine hands the program its own reading of the
    file. Both refuse such a value, with the same words, before anything is planned."""
    stack = two_ways_stack
    written, two_ways = TWO_WAYS[case]
    text = stack.stack_file.read_text()
    stack.stack_file.write_text(text.replace(written, two_ways, 1))
    try:
        section = "gpu-fleet:pools" if two_ways.startswith("nodes") else "gpu-fleet:demo"
        engine_reading = stack.stack.get_all_config()[section].value
        print(f"  the engine reads `{two_ways}` into {section} = {engine_reading}")
        assert two_ways in stack.stack_file.read_text()  # as written, not normalised
        check = fleet_cli("check", str(stack.stack_file))
        assert check.returncode == 2
        problem = check.stderr.splitlines()[1].strip()
        assert problem.startswith("line ")
        assert two_ways.split(": ")[1] in problem
        with pytest.raises(auto.CommandError) as raised:
            stack.preview()
        assert problem in str(raised.value)
        assert "Traceback" not in str(raised.value)
    finally:
        stack.stack_file.write_text(text)
    assert stack.resource_names() == []
