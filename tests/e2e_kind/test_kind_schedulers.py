"""Lesson 1 under Kueue on a real kind cluster: the scheduler's own chart installed by the
program, its controller running as the pod the chart defines, from an image built here.

`make up STACK=lesson1-kueue`, `make evidence` (the kubeconfig), then: Kueue's manager
Running on the cluster's real worker, the teams' ClusterQueues active, and each
scenario of `fleet expect` observed step by step as it predicts (the same checks as the
e2e tier's test_81). Then the stack file chooses the default scheduler again (no teams)
and `make up` removes the scheduler: no CRD, webhook configuration, APIService or
namespace of it is left on the live cluster. `make down` then leaves nothing of the
cluster (a kind stack's destroy deletes the cluster itself, so the scheduler's
leftovers are checked before it).
"""

from pathlib import Path
from typing import Any

import pytest

from fleet.schedulers.scenarios import plan_scenarios
from fleet.stack.load import load_stack_file
from fleet.stack.spec import SCHEDULER_NAMESPACES
from tests.e2e.harness import kube
from tests.e2e.harness.kind.checks import made_down, ok, pods_on_real_nodes
from tests.e2e.harness.kind.tier import KindTier
from tests.e2e.harness.kind.user import Checkout, copy_checkout, use_offline_sources
from tests.e2e.schedulers import active_cluster_queues, check_scenario, scheduler_leftovers

pytestmark = pytest.mark.e2e_kind

STACK = "lesson1-kueue"
NAMESPACE = SCHEDULER_NAMESPACES["kueue"]
MANAGER = "kueue-controller-manager"


def _default_scheduler(config: dict[str, Any]) -> None:
    config["gpu-fleet:scheduler"] = "default"
    for key in ("gpu-fleet:teams", "gpu-fleet:schedulerRelease"):
        config.pop(key, None)


def _manager_log(api: Any, lines: int) -> str:
    pods = kube.items(kube.core(api).list_namespaced_pod, NAMESPACE)
    return "\n".join(
        kube.core(api).read_namespaced_pod_log(pod["metadata"]["name"], NAMESPACE, tail_lines=lines)
        for pod in pods
        if pod["metadata"]["name"].startswith(MANAGER)
    )


def test_kueue_on_a_real_kind_cluster(kind_tier: KindTier, tmp_path: Path) -> None:
    checkout = copy_checkout(tmp_path / "checkout", kind_tier)
    use_offline_sources(checkout, STACK)
    with made_down(checkout, STACK) as cluster:
        _kueue_path(checkout, cluster)


def _kueue_path(checkout: Checkout, cluster: str) -> None:
    ok(checkout.make("up", f"STACK={STACK}"))
    ok(checkout.make("evidence", f"STACK={STACK}"))
    spec = load_stack_file(checkout.stack_file(STACK))
    api = kube.api_client(checkout.root / "evidence" / STACK / "kubeconfig")
    try:
        manager = pods_on_real_nodes(api, NAMESPACE, cluster)
        assert [phase for name, phase in manager.items() if name.startswith(MANAGER)] == [
            "Running"
        ], manager
        assert active_cluster_queues(api) == {team: True for team in spec.teams}
        for scenario in plan_scenarios(spec):
            check_scenario(api, spec, scenario, lambda lines: _manager_log(api, lines))

        checkout.edit_stack(STACK, _default_scheduler)
        ok(checkout.make("up", f"STACK={STACK}"))
        left = scheduler_leftovers(api, ("kueue.x-k8s.io",), "kueue", {NAMESPACE, *spec.teams})
        assert left == {key: [] for key in left}
    finally:
        api.close()
