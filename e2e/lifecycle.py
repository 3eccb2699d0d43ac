"""Capacity changes without the engine: edit the stack file, then move the cluster to it.

The stand-in for `pulumi up` after editing a pool: the new stack file's objects are
compared with the running ones and applied with `apply.update_objects`.
"""

from pathlib import Path

import yaml

from e2e import apply, waits
from e2e.fleet_up import DEMO_STABLE_SECONDS, DEMO_TIMEOUT, NODES_TIMEOUT, Fleet
from e2e.steps import step
from fleet.manifests import stack_objects
from fleet.spec import PROJECT, FleetSpec
from fleet.stackfile import load_stack_file


def grown_stack(stack_file: Path, pool: str, extra_nodes: int) -> Path:
    """A sibling of `stack_file` whose `pool` has `extra_nodes` more nodes."""
    document = yaml.safe_load(stack_file.read_text())
    document["config"][f"{PROJECT}:pools"][pool]["nodes"] += extra_nodes
    target = stack_file.with_name(f"{stack_file.stem}-{pool}-plus{extra_nodes}.yaml")
    target.write_text(yaml.safe_dump(document, sort_keys=False))
    return target


def move_to(fleet: Fleet, stack_file: Path) -> FleetSpec:
    """Apply `stack_file`'s objects over the fleet's and wait until the demo settles again."""
    spec = load_stack_file(stack_file)
    after = list(stack_objects(spec))
    with step(f"apply (fallback for pulumi up): {stack_file.name}"):
        changes = apply.update_objects(fleet.api, fleet.objects, after)
        print(f"  applied: {', '.join(changes)}", flush=True)
    with step("wait: grown fleet Ready and advertised"):
        waits.wait_for_nodes(fleet.api, spec.total_nodes, spec.total_gpus, NODES_TIMEOUT)
    pods = waits.expected_pod_count(obj for obj in after if obj["kind"] != "Node")
    with step(f"wait: {pods} demo pods settled again"):
        waits.wait_for_demo(fleet.api, spec.demo.namespace, pods, DEMO_TIMEOUT, DEMO_STABLE_SECONDS)
    return spec
