"""A scheduler stack file (stacks/Pulumi.lesson1-kueue.yaml, ...-kai.yaml) as the e2e tier
brings it up: its pools, scheduler and teams unchanged, the cluster section and the charts
of the tier's own (the session's kind of control plane, charts from source)."""

from pathlib import Path
from typing import Any

import yaml

from fleet.stack.spec import PROJECT
from tests.e2e.harness.cluster import Cluster
from tests.e2e.lesson1 import lesson1_config
from tests.paths import STACKS_DIR


def stack_file(scheduler: str) -> Path:
    return STACKS_DIR / f"Pulumi.lesson1-{scheduler}.yaml"


def scheduler_config(
    cluster: Cluster, scheduler: str, chart: Path, *, teams: bool
) -> dict[str, Any]:
    """The stack file's config on `cluster`, the scheduler's chart from `chart`; without
    `teams`, the scheduler alone (its controllers start before the teams' queues exist)."""
    document = yaml.safe_load(stack_file(scheduler).read_text())["config"]
    own = {key.removeprefix(f"{PROJECT}:"): value for key, value in document.items()}
    config = lesson1_config(cluster, own["pools"])
    del config["demo"]  # the scheduler stacks run the scheduler demo instead
    config["scheduler"] = own["scheduler"]
    # No pod of the chart can start here: the release is not awaited, its hooks not run.
    config["schedulerRelease"] = {"chart": str(chart), "wait": False, "hooks": False}
    if teams:
        config["teams"] = own["teams"]
    return config
