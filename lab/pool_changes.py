"""What the engine planned for pool-level node resources, from its events: per pool
resource, its step, the summary the provider's check wrote (`changes`) and the nodes
the step adds and removes (from `nodeCount`, as the provider names them)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pulumi.automation import events

from fleet.stack.spec import node_name

POOL_NODES_TYPE = "pulumi-python:dynamic/gpu-fleet:PoolNodes"


@dataclass(frozen=True)
class PoolStep:
    op: str
    resource: str
    summary: str
    added: list[str]
    removed: list[str]


@dataclass
class Steps:
    """Every resource step that is not `same`, by resource name; pool steps with their
    summary and nodes. Provider steps are left out: the engine hands a dynamic provider
    the whole stack config, so its default provider "updates" whenever any config key
    changes."""

    ops: dict[str, str] = field(default_factory=dict)
    pools: list[PoolStep] = field(default_factory=list)

    def on_event(self) -> Callable[[events.EngineEvent], None]:
        def collect(event: events.EngineEvent) -> None:
            pre = event.resource_pre_event
            if pre is None or pre.metadata.op.value in ("same", "read"):
                return
            if pre.metadata.type.startswith("pulumi:providers:"):
                return
            metadata = pre.metadata
            name = metadata.urn.rsplit("::", 1)[-1]
            self.ops[name] = metadata.op.value
            if metadata.type == POOL_NODES_TYPE:
                # What the state holds before the step; what the program asks for.
                old = _names(metadata.old, "outputs", "inputs")
                new = _names(metadata.new, "inputs", "outputs")
                added = [n for n in new if n not in set(old)]
                removed = [n for n in old if n not in set(new)]
                summary = str(((metadata.new and metadata.new.inputs) or {}).get("changes", ""))
                self.pools.append(PoolStep(metadata.op.value, name, summary, added, removed))

        return collect

    def added(self) -> list[str]:
        return sorted(n for step in self.pools for n in step.added)

    def removed(self) -> list[str]:
        return sorted(n for step in self.pools for n in step.removed)


def _names(state: Any, *sources: str) -> list[str]:
    if state is None:
        return []
    for source in sources:
        values = getattr(state, source)
        if values and "nodeCount" in values:
            pool = str(values["poolName"])
            return [node_name(pool, i) for i in range(int(values["nodeCount"]))]
    return []
