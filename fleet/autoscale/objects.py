"""Every object a stack creates for its autoscaled pools, in the order it creates them."""

from collections.abc import Iterator
from typing import Any

from fleet.autoscale.instance_types import instance_types_config_map
from fleet.autoscale.node_pool import node_class, node_pool
from fleet.stack.owner import StackOwner
from fleet.stack.spec import FleetSpec


def autoscale_objects(spec: FleetSpec, owner: StackOwner) -> Iterator[dict[str, Any]]:
    """The instance types' ConfigMap, then per autoscaled pool its KWOKNodeClass and its
    NodePool; nothing for a fleet of fixed pools."""
    if not spec.autoscaled_pools:
        return
    yield instance_types_config_map(spec, owner)
    for name, pool in spec.autoscaled_pools.items():
        yield node_class(name, owner)
        yield node_pool(name, pool, owner)
