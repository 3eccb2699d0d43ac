"""Heartbeats sized to the fleet: the formula (`fleet.heartbeat.sizing`), the stack's
`heartbeat` key, and what `gpu-fleet check` says about the control plane."""

import json
from typing import Any

import pytest

from fleet.cli import main
from fleet.heartbeat.advice import control_plane_note
from fleet.heartbeat.sizing import (
    DEFAULT_WRITES_PER_SECOND,
    MAX_SECONDS,
    MIN_WRITES_PER_SECOND,
    HeartbeatProblem,
    Overrides,
    derive,
    factor_for,
)
from fleet.stack.load import SpecError, parse_fleet
from fleet.stack.spec import MAX_FAKE_NODES, FleetSpec
from tests.paths import ROOT

SIZES = [0, 1, 5, 100, 983, 1000, 1082, 2000, 2500, 5000, 5410, 8000, 10_000, MAX_FAKE_NODES]


def fleet(nodes: int, cluster: str = "kind", **heartbeat: Any) -> FleetSpec:
    clusters = {
        "kind": {"mode": "kind"},
        "existing": {"mode": "existing", "context": "c", "allowFakeNodes": True},
    }
    config: dict[str, Any] = {
        "cluster": clusters[cluster],
        "pools": {"l4": {"nodes": nodes, "gpusPerNode": 1, "product": "NVIDIA-L4"}},
        "nodeResources": "perPool",
        "operator": {"version": "0.2.0"},
    }
    if heartbeat:
        config["heartbeat"] = heartbeat
    return parse_fleet(config, "test")


@pytest.mark.parametrize("nodes", [1, 5, 32, 1000])
def test_a_fleet_within_the_budget_keeps_the_kubernetes_defaults(nodes: int) -> None:
    heartbeat = derive(nodes, DEFAULT_WRITES_PER_SECOND)
    assert heartbeat.factor == 1
    assert heartbeat.lease_duration_s == 40
    assert heartbeat.renew_interval_s == 10
    assert heartbeat.node_status_period_s == 600
    assert heartbeat.node_status_jitter_s == 610
    assert heartbeat.node_monitor_grace_period_s == 50
    assert heartbeat.node_monitor_period_s == 5
    assert heartbeat.controller_manager_flags() == {}
    assert heartbeat.overridden == frozenset()


@pytest.mark.parametrize(
    ("nodes", "factor", "lease", "status", "grace", "period"),
    [
        (5, 1, 40, 600, 50, 5),
        (1000, 1, 40, 600, 50, 5),
        (5000, 5, 200, 3000, 250, 25),
        (10_000, 10, 400, 6000, 500, 50),
    ],
)
def test_the_documented_table(
    nodes: int, factor: int, lease: int, status: int, grace: int, period: int
) -> None:
    """docs/scale.md, "Heartbeats sized to the fleet", shows these rows."""
    heartbeat = derive(nodes, DEFAULT_WRITES_PER_SECOND)
    assert (
        heartbeat.factor,
        heartbeat.lease_duration_s,
        heartbeat.node_status_period_s,
        heartbeat.node_monitor_grace_period_s,
        heartbeat.node_monitor_period_s,
    ) == (factor, lease, status, grace, period)


def test_every_value_grows_with_the_fleet_and_the_writes_stay_within_the_budget() -> None:
    for budget in (MIN_WRITES_PER_SECOND, 50, DEFAULT_WRITES_PER_SECOND, 500, 5000):
        previous = None
        for nodes in range(0, MAX_FAKE_NODES + 1, 97):
            heartbeat = derive(nodes, budget)
            assert heartbeat.writes_per_second <= budget
            if previous is not None:
                for name in (
                    "factor",
                    "lease_duration_s",
                    "node_status_period_s",
                    "node_monitor_grace_period_s",
                    "node_monitor_period_s",
                ):
                    assert getattr(heartbeat, name) >= getattr(previous, name), (nodes, name)
            previous = heartbeat


def test_the_factor_is_the_smallest_step_that_fits() -> None:
    """At the step below the chosen one, the fleet would write more than its budget."""
    steps = [1, 2, 5, 10, 20, 50, 100]
    for nodes in SIZES:
        factor = factor_for(nodes, DEFAULT_WRITES_PER_SECOND)
        assert factor in steps
        smaller = [step for step in steps if step < factor]
        if smaller:
            at_smaller = nodes / (10 * smaller[-1]) + nodes / (600 * smaller[-1])
            assert at_smaller > DEFAULT_WRITES_PER_SECOND


def test_a_larger_budget_never_stretches_the_heartbeat() -> None:
    for nodes in SIZES:
        factors = [factor_for(nodes, budget) for budget in (10, 50, 110, 200, 1000, 100_000)]
        assert factors == sorted(factors, reverse=True)


def test_each_override_is_kept_and_the_others_still_derived() -> None:
    overrides = Overrides(
        lease_duration_s=120,
        node_status_period_s=900,
        node_monitor_grace_period_s=300,
        node_monitor_period_s=20,
    )
    heartbeat = derive(10_000, DEFAULT_WRITES_PER_SECOND, overrides)
    assert heartbeat.lease_duration_s == 120
    assert heartbeat.renew_interval_s == 30
    assert heartbeat.node_status_period_s == 900
    assert heartbeat.node_monitor_grace_period_s == 300
    assert heartbeat.node_monitor_period_s == 20
    assert heartbeat.controller_manager_flags() == {
        "node-monitor-grace-period": "300s",
        "node-monitor-period": "20s",
    }
    only_grace = derive(
        10_000, DEFAULT_WRITES_PER_SECOND, Overrides(node_monitor_grace_period_s=900)
    )
    assert only_grace.node_monitor_grace_period_s == 900
    assert only_grace.lease_duration_s == 400
    assert only_grace.overridden == frozenset({"node_monitor_grace_period_s"})


def test_a_lease_renewed_no_sooner_than_the_grace_period_is_refused() -> None:
    assert (
        derive(5, DEFAULT_WRITES_PER_SECOND, Overrides(lease_duration_s=199)).renew_interval_s < 50
    )
    with pytest.raises(HeartbeatProblem) as refused:
        derive(5, DEFAULT_WRITES_PER_SECOND, Overrides(lease_duration_s=200))
    assert refused.value.key == "nodeLeaseDurationSeconds"
    assert "use a nodeLeaseDurationSeconds of at most 199" in str(refused.value)
    with pytest.raises(HeartbeatProblem) as short_grace:
        derive(10_000, DEFAULT_WRITES_PER_SECOND, Overrides(node_monitor_grace_period_s=100))
    assert short_grace.value.key == "nodeMonitorGracePeriodSeconds"
    assert "above 100" in str(short_grace.value)


def test_a_value_beyond_a_day_is_refused_with_what_to_change() -> None:
    with pytest.raises(HeartbeatProblem) as refused:
        derive(MAX_FAKE_NODES, 10)
    assert refused.value.key == "nodeStatusPeriodSeconds"
    assert f"at most {MAX_SECONDS}" in str(refused.value)
    assert "raise heartbeat.writesPerSecond" in str(refused.value)


def test_the_stack_sizes_the_heartbeat_to_every_pool() -> None:
    pools = {
        "a": {"nodes": 6000, "gpusPerNode": 1, "product": "NVIDIA-L4"},
        "b": {"nodes": 4000, "gpusPerNode": 1, "product": "NVIDIA-L4"},
    }
    config = {
        "cluster": {"mode": "kind"},
        "pools": pools,
        "nodeResources": "perPool",
        "operator": {"version": "0.2.0"},
    }
    assert parse_fleet(config, "test").heartbeats == derive(10_000, DEFAULT_WRITES_PER_SECOND)


def test_the_stack_key_carries_the_budget_and_the_overrides() -> None:
    assert fleet(10_000, writesPerSecond=1100).heartbeats.factor == 1
    spec = fleet(10_000, nodeLeaseDurationSeconds=160, nodeMonitorPeriodSeconds=10)
    assert spec.heartbeats.lease_duration_s == 160
    assert spec.heartbeats.node_monitor_period_s == 10
    assert spec.heartbeats.node_monitor_grace_period_s == 500


def test_a_bad_override_names_the_key_and_what_would_do() -> None:
    with pytest.raises(SpecError) as refused:
        fleet(10_000, nodeMonitorGracePeriodSeconds=90)
    message = str(refused.value)
    assert message.startswith("test: invalid fleet spec")
    assert "gpu-fleet:heartbeat.nodeMonitorGracePeriodSeconds:" in message
    assert "a nodeMonitorGracePeriodSeconds above 100" in message


def test_check_says_what_an_existing_cluster_needs(capsys: pytest.CaptureFixture[str]) -> None:
    heartbeat = fleet(10_000, "existing").heartbeats
    note = control_plane_note(heartbeat, creates_cluster=False)
    assert "--node-monitor-grace-period=500s --node-monitor-period=50s" in note
    assert "every fake node turns NotReady between renewals" in note
    assert "needs no more than Kubernetes' defaults" in control_plane_note(
        fleet(5, "existing").heartbeats, creates_cluster=False
    )
    assert "runs with --node-monitor-grace-period=500s" in control_plane_note(
        heartbeat, creates_cluster=True
    )


def test_check_leaves_default_heartbeats_to_json(capsys: pytest.CaptureFixture[str]) -> None:
    lesson1 = str(ROOT / "stacks" / "Pulumi.lesson1.yaml")
    assert main(["check", lesson1]) == 0
    assert "kube-controller-manager" not in capsys.readouterr().out
    assert main(["check", lesson1, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["heartbeat"]
    assert (data["factor"], data["controllerManagerFlags"], data["overridden"]) == (1, {}, [])


def test_docs_scale_shows_what_check_prints_for_an_existing_cluster() -> None:
    text = " ".join((ROOT / "docs" / "scale.md").read_text(encoding="utf-8").split())
    heartbeat = fleet(10_000, "existing").heartbeats
    assert control_plane_note(heartbeat, creates_cluster=False) in text
    assert "heartbeat: 10,000 nodes, budget 110 writes/s, factor 10, 101.7 writes/s" in text


def test_check_prints_the_heartbeat_and_the_flags(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = tmp_path / "Pulumi.big.yaml"
    stack.write_text(
        "config:\n"
        "  gpu-fleet:cluster: {mode: existing, context: c, allowFakeNodes: true}\n"
        "  gpu-fleet:nodeResources: perPool\n"
        "  gpu-fleet:operator: {version: 0.2.0}\n"
        "  gpu-fleet:pools:\n"
        "    l4: {nodes: 10000, gpusPerNode: 1, product: NVIDIA-L4}\n"
        "  gpu-fleet:heartbeat: {nodeMonitorPeriodSeconds: 30}\n",
        encoding="utf-8",
    )
    assert main(["check", str(stack)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "heartbeat: 10,000 nodes, budget 110 writes/s, factor 10" in out
    assert "400 s, renewed every 100 s" in out
    assert "needs --node-monitor-grace-period=500s --node-monitor-period=30s" in out
    assert main(["check", str(stack), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["heartbeat"]
    assert data["overridden"] == ["nodeMonitorPeriodSeconds"]
    assert data["controllerManagerFlags"] == {
        "node-monitor-grace-period": "500s",
        "node-monitor-period": "30s",
    }
    assert data["writesPerSecond"] == 101.7


def test_docs_scale_states_the_formulas_table_and_steps() -> None:
    """The table and the step sizes of docs/scale.md, "Heartbeats sized to the fleet"."""
    text = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    section = text.split("## Heartbeats sized to the fleet\n", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and line.split("|")[1].strip().replace(",", "").isdigit()
    ]
    assert [row[0] for row in rows] == ["5", "1,000", "10,000"]
    for nodes, factor, lease, status, grace, period, writes in rows:
        heartbeat = derive(int(nodes.replace(",", "")), DEFAULT_WRITES_PER_SECOND)
        renew = f"{heartbeat.lease_duration_s} s ({heartbeat.renew_interval_s:g} s)"
        assert [factor, lease, status, grace, period, writes] == [
            str(heartbeat.factor),
            renew,
            f"{heartbeat.node_status_period_s:,} s",
            f"{heartbeat.node_monitor_grace_period_s} s",
            f"{heartbeat.node_monitor_period_s} s",
            f"{heartbeat.writes_per_second:,.1f}",
        ]
    steps = [
        nodes
        for nodes in range(1, MAX_FAKE_NODES + 1)
        if factor_for(nodes, DEFAULT_WRITES_PER_SECOND)
        != factor_for(nodes - 1, DEFAULT_WRITES_PER_SECOND)
    ]
    stated = ", ".join(f"{step:,}" for step in steps[:-1]) + f" and {steps[-1]:,} nodes"
    assert f"(at {stated} with the default budget)" in " ".join(section.split())
    assert f"default {DEFAULT_WRITES_PER_SECOND})" in " ".join(section.split())
