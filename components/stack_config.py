"""The stack's fleet spec, read from Pulumi config and validated before anything is created."""

import json
from typing import Any

import pulumi

from fleet.spec import PROJECT, TOP_LEVEL_KEYS, FleetSpec
from fleet.stackfile import SpecError, parse_fleet


def _value(raw: str) -> Any:
    """Pulumi keeps structured config as JSON text and scalars as plain text."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def load_fleet_spec() -> FleetSpec:
    """The validated spec; on bad config, a clean error naming file and key, and no resources."""
    config = pulumi.Config(PROJECT)
    given = {key: config.get(key) for key in TOP_LEVEL_KEYS}
    source = f"stacks/Pulumi.{pulumi.get_stack()}.yaml"
    try:
        return parse_fleet(
            {key: _value(raw) for key, raw in given.items() if raw is not None}, source
        )
    except SpecError as error:
        raise pulumi.RunError(str(error)) from None
