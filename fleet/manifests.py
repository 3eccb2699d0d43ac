"""Every Kubernetes object a stack creates itself (not those of the KWOK or operator releases)."""

from collections.abc import Iterator
from typing import Any

from fleet.nodes import fleet_nodes
from fleet.spec import FleetSpec


def stack_objects(spec: FleetSpec) -> Iterator[dict[str, Any]]:
    yield from fleet_nodes(spec)
