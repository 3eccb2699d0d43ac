from typing import Any

import pytest
import yaml

from fleet.stack.load import load_stack_file, parse_fleet, project_config
from fleet.stack.spec import FleetSpec
from tests.demo.fleets import MakeFleet
from tests.paths import LESSON1_FILE


@pytest.fixture
def lesson1() -> FleetSpec:
    return load_stack_file(LESSON1_FILE)


@pytest.fixture
def make_fleet() -> MakeFleet:
    """`make_fleet(pools, mode="kind", **demo)`: a fleet with the demo enabled."""

    def make(pools: dict[str, Any], mode: str = "kind", **demo: Any) -> FleetSpec:
        cluster: dict[str, Any] = {"mode": mode}
        if mode == "existing":
            cluster["allowFakeNodes"] = True
        config = {"cluster": cluster, "pools": pools, "demo": {"enabled": True, **demo}}
        return parse_fleet(config, "test")

    return make


@pytest.fixture
def lesson1_with() -> MakeFleet:
    """`lesson1_with(**demo)`: the lesson-1 stack with demo overrides."""

    def make(**demo: Any) -> FleetSpec:
        config = project_config(yaml.safe_load(LESSON1_FILE.read_text())["config"], "test")
        config["demo"] = {"enabled": True, **demo}
        return parse_fleet(config, "test")

    return make
