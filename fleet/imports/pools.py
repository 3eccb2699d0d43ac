"""Pools that come from outside a stack file (topology JSON, nvidia-smi), validated.

They go through the same `FleetSpec` models as a stack file, but the problems
are reported in the source's own terms: `medium.json: pools.a100.nodes: ...`
rather than under the stack's `gpu-fleet:` config namespace.
"""

from collections.abc import Mapping
from typing import Any

from fleet.stack import versions
from fleet.stack.load import SpecError, parse_fleet
from fleet.stack.spec import PROJECT, FleetSpec


class InputError(SpecError):
    """Bad input that is not a stack file: one `<source>: <problem>` line per problem.

    A `SpecError`, so that `fleet.cli` reports it on stderr with exit code 2.
    """

    def __str__(self) -> str:
        return "\n".join(f"{self.source}: {problem}" for problem in self.listed())


def check_pools(pools: Any, source: str) -> FleetSpec:
    """Validate `pools` as a fleet's pools, on their own.

    The fleet around them is a kind cluster with an operator that has a shared
    exporter and one Pulumi resource per pool, so only the pools' own limits apply;
    which operator and node resources a stack needs is decided where it is written.
    """
    config: Mapping[str, Any] = {
        "cluster": {"mode": "kind"},
        "pools": pools,
        "nodeResources": "perPool",
        "operator": {"version": versions.OPERATOR_SHARED_EXPORTER_VERSION},
    }
    try:
        return parse_fleet(config, source)
    except SpecError as error:
        problems = [problem.removeprefix(f"{PROJECT}:") for problem in error.problems]
        raise InputError(source, problems) from None
