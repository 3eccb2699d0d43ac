"""Every Kubernetes object a stack creates itself (not those of the KWOK or operator releases)."""

from collections.abc import Iterator
from typing import Any

from fleet.render.demo import demo_objects
from fleet.render.dra import device_class, program_creates_device_class
from fleet.render.nodes import fleet_nodes
from fleet.render.operator import operator_namespace
from fleet.stack.owner import StackOwner
from fleet.stack.spec import FleetSpec


def stack_objects(spec: FleetSpec, owner: StackOwner) -> Iterator[dict[str, Any]]:
    """The fake nodes (labelled as `owner`'s), the DeviceClass when the stack must create
    it (a DRA stack whose operator it does not install), the operator's namespace, then the
    demo when enabled."""
    yield from fleet_nodes(spec, owner)
    if program_creates_device_class(spec):
        yield device_class()
    if spec.operator.install:
        yield operator_namespace(spec)
    if spec.demo.enabled:
        yield from demo_objects(spec)
