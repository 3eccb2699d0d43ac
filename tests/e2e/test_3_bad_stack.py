"""A bad stack file stops `pulumi up` before any resource exists, with `fleet check`'s words."""

from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto

from tests.e2e.harness.cluster import Cluster
from tests.e2e.harness.engine import FleetStack
from tests.e2e.harness.tools import Engine
from tests.e2e.lesson1 import lesson1_config
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
