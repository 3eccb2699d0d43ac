"""Lesson 1 under Kueue and under KAI-Scheduler on a real kind cluster: the scheduler's own
chart installed by the program, its controllers running as the pods the chart (and, for
KAI, its operator) define, from images built here.

Per scheduler: `make up STACK=lesson1-<scheduler>`, `make evidence` (for the
kubeconfig), then: each controller's Deployment available with its pods Running on the
cluster's real worker, each scenario of `fleet expect` observed step by step as it
predicts (the e2e tier's checks, shared). Then the stack file chooses the default
scheduler again (no teams) and `make up` removes the scheduler: no CRD, webhook
configuration, APIService or namespace of it or its teams is left on the live cluster.
`make down` then leaves nothing of the cluster (a kind stack's destroy deletes the
cluster itself, so the scheduler's leftovers are checked before it).
"""

from pathlib import Path
from typing import Any

import pytest

from fleet.schedulers.scenarios import plan_scenarios
from fleet.stack.load import load_stack_file
from fleet.stack.spec import SCHEDULER_NAMESPACES
from lab import kube
from lab.kind.checks import brought_up, made_down, ok, pods_on_real_nodes
from lab.kind.tier import KindTier
from lab.kind.user import Checkout, offline_checkout
from tests.e2e.schedulers import active_cluster_queues, check_scenario, scheduler_leftovers

pytestmark = pytest.mark.e2e_kind

# The Deployments whose pods are each scheduler's controllers: Kueue's chart deploys its
# manager; KAI's deploys its operator, which deploys the rest for the chart's Config and
# its `default` SchedulingShard.
CONTROLLERS = {
    "kueue": ("kueue-controller-manager",),
    "kai": (
        "kai-operator",
        "kai-scheduler-default",
        "binder",
        "pod-grouper",
        "podgroup-controller",
        "queue-controller",
        "admission",
    ),
}
CONTROLLERS_TIMEOUT = 300.0
LEFTOVERS_TIMEOUT = 60.0


def _default_scheduler(config: dict[str, Any]) -> None:
    config["gpu-fleet:scheduler"] = "default"
    for key in ("gpu-fleet:teams", "gpu-fleet:schedulerRelease"):
        config.pop(key, None)


def _available(api: Any, namespace: str, names: tuple[str, ...]) -> dict[str, bool]:
    deployments = {
        d["metadata"]["name"]: (d.get("status") or {}).get("availableReplicas", 0) >= 1
        for d in kube.items(kube.apps(api).list_namespaced_deployment, namespace)
    }
    return {name: deployments.get(name, False) for name in names}


def _controller_logs(api: Any, namespace: str, lines: int) -> str:
    core = kube.core(api)
    return "\n".join(
        f"== {pod['metadata']['name']}\n"
        + core.read_namespaced_pod_log(pod["metadata"]["name"], namespace, tail_lines=lines)
        for pod in kube.items(core.list_namespaced_pod, namespace)
        if (pod.get("status") or {}).get("phase") == "Running"
    )


@pytest.mark.parametrize("scheduler", ["kueue", "kai"])
def test_scheduler_on_a_real_kind_cluster(
    kind_tier: KindTier, tmp_path: Path, scheduler: str
) -> None:
    stack = f"lesson1-{scheduler}"
    checkout = offline_checkout(tmp_path / "checkout", kind_tier, stack)
    with made_down(checkout, stack) as cluster:
        _scheduler_path(checkout, stack, cluster)


def _scheduler_path(checkout: Checkout, stack: str, cluster: str) -> None:
    spec = load_stack_file(checkout.stack_file(stack))
    namespace = SCHEDULER_NAMESPACES[spec.scheduler]
    controllers = CONTROLLERS[spec.scheduler]
    api = kube.api_client(brought_up(checkout, stack))
    try:
        available = kube.wait_until(
            lambda: all(_available(api, namespace, controllers).values()),
            timeout=CONTROLLERS_TIMEOUT,
            interval=2,
        )
        assert available, _available(api, namespace, controllers)
        pods = pods_on_real_nodes(api, namespace, cluster)
        for name in controllers:
            phases = [phase for pod, phase in pods.items() if pod.startswith(f"{name}-")]
            assert "Running" in phases, (name, pods)
            assert set(phases) == {"Running"}, (name, pods)
        if spec.scheduler == "kueue":
            assert active_cluster_queues(api) == {team: True for team in spec.teams}
        for scenario in plan_scenarios(spec):
            check_scenario(
                api, spec, scenario, lambda lines: _controller_logs(api, namespace, lines)
            )

        checkout.edit_stack(stack, _default_scheduler)
        ok(checkout.make("up", f"STACK={stack}"))
        # What an owner reference ties to a deleted object goes by garbage collection,
        # which runs after the delete returns.
        kube.wait_until(lambda: not any(scheduler_leftovers(api, spec).values()), LEFTOVERS_TIMEOUT)
        left = scheduler_leftovers(api, spec)
        assert left == {key: [] for key in left}
    finally:
        api.close()
