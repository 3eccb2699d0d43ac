"""A bad stack file stops `pulumi up` before any resource exists, with `fleet check`'s words."""

import pytest
from pulumi import automation as auto

from tests.e2e.conftest import lesson1_config
from tests.e2e.harness.cluster import Cluster
from tests.e2e.harness.engine import FleetStack
from tests.e2e.harness.tools import Engine
from tests.e2e.test_1_lesson1 import fleet_cli

pytestmark = pytest.mark.e2e


def test_bad_stack_file_stops_up_with_the_check_message(
    engine: Engine, cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    stack = FleetStack(engine, tmp_path_factory.mktemp("bad"), "e2e-bad")
    config = lesson1_config(cluster)
    config["pools"]["a100"]["gpusPerNode"] = 0
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
    assert stack.resource_names() == []
