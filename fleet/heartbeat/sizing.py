"""The formula: one factor, chosen from the fleet's size and the budget, stretches every
heartbeat setting from the Kubernetes defaults alike (as kwokctl's `--heartbeat-factor`
does with a fixed 5), and each value may be overridden.

At factor 1 (the defaults) a node writes its Lease every 10 s and its status every 600 s,
61/600 writes a second; a fleet of N nodes at factor f writes N * 61 / (600 * f). The
factor is the smallest of 1, 2, 5, 10, 20, 50, ... that keeps that within the budget, so
a fleet within the budget keeps every default, and the settings change only when the fleet
crosses a step (on kind that replaces the cluster: docs/scale.md).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

# Kubernetes' and KWOK v0.7.0's own values, the settings at factor 1.
# kubelet's nodeLeaseDurationSeconds and KWOK's release configuration.
LEASE_DURATION_S = 40
# KWOK's controller renews a Lease every quarter of its duration (a kubelet every 10 s of 40).
RENEWALS_PER_LEASE_DURATION = 4
# KWOK's release Stage `node-heartbeat-with-lease`: the node's status is rewritten after a
# delay of 600 s, drawn up to 610 s (its jitter bound).
NODE_STATUS_PERIOD_S = 600
NODE_STATUS_JITTER = Fraction(610, 600)
# kube-controller-manager's defaults, which kind keeps.
NODE_MONITOR_GRACE_PERIOD_S = 50
NODE_MONITOR_PERIOD_S = 5

# Heartbeat writes a second the fleet may make by default: a 1,000-node fleet at the
# defaults makes 102 (100 Lease renewals, 1.7 status writes), measured to keep every node
# Ready on a 2-core machine; 5,000 nodes at the defaults (508) lost nodes there.
DEFAULT_WRITES_PER_SECOND = 110
# The smallest budget a stack may state: 12,000 nodes (the program's limit) then still get
# every period within MAX_SECONDS (factor 100: a status heartbeat every 60,000 s).
MIN_WRITES_PER_SECOND = 20
# The longest any derived or overridden period may be (a day).
MAX_SECONDS = 86_400
WRITES_PER_NODE_AT_DEFAULTS = Fraction(1, LEASE_DURATION_S // RENEWALS_PER_LEASE_DURATION) + (
    Fraction(1, NODE_STATUS_PERIOD_S)
)


class HeartbeatProblem(ValueError):
    """An override that cannot work, with the stack key (under `heartbeat`) it concerns."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Overrides:
    """Values the stack sets itself (None: derived)."""

    lease_duration_s: int | None = None
    node_status_period_s: int | None = None
    node_monitor_grace_period_s: int | None = None
    node_monitor_period_s: int | None = None


@dataclass(frozen=True)
class Heartbeat:
    """The heartbeat settings of one fleet."""

    nodes: int
    budget: int
    factor: int
    lease_duration_s: int
    node_status_period_s: int
    node_monitor_grace_period_s: int
    node_monitor_period_s: int
    overridden: frozenset[str] = field(default=frozenset())

    @property
    def renew_interval_s(self) -> float:
        return self.lease_duration_s / RENEWALS_PER_LEASE_DURATION

    @property
    def node_status_jitter_s(self) -> int:
        """The upper bound of the Stage's delay (its `jitterDurationMilliseconds`)."""
        return int(self.node_status_period_s * NODE_STATUS_JITTER)

    @property
    def writes_per_second(self) -> float:
        """Lease renewals and status heartbeats a second, the fleet's whole."""
        return self.nodes / self.renew_interval_s + self.nodes / self.node_status_period_s

    @property
    def is_default(self) -> bool:
        """Whether every setting is KWOK's and Kubernetes' own."""
        return (
            self.lease_duration_s,
            self.node_status_period_s,
            self.node_monitor_grace_period_s,
            self.node_monitor_period_s,
        ) == (
            LEASE_DURATION_S,
            NODE_STATUS_PERIOD_S,
            NODE_MONITOR_GRACE_PERIOD_S,
            NODE_MONITOR_PERIOD_S,
        )

    def controller_manager_flags(self) -> dict[str, str]:
        """kube-controller-manager's node monitor flags that differ from its defaults."""
        flags = {}
        if self.node_monitor_grace_period_s != NODE_MONITOR_GRACE_PERIOD_S:
            flags["node-monitor-grace-period"] = f"{self.node_monitor_grace_period_s}s"
        if self.node_monitor_period_s != NODE_MONITOR_PERIOD_S:
            flags["node-monitor-period"] = f"{self.node_monitor_period_s}s"
        return flags


# The stack keys of the values, under `heartbeat`.
KEYS = {
    "lease_duration_s": "nodeLeaseDurationSeconds",
    "node_status_period_s": "nodeStatusPeriodSeconds",
    "node_monitor_grace_period_s": "nodeMonitorGracePeriodSeconds",
    "node_monitor_period_s": "nodeMonitorPeriodSeconds",
}


def _steps() -> Iterator[int]:
    """1, 2, 5, 10, 20, 50, 100, ..."""
    scale = 1
    while True:
        yield from (scale, 2 * scale, 5 * scale)
        scale *= 10


def factor_for(nodes: int, budget: int) -> int:
    """The smallest step that keeps `nodes` within `budget` heartbeat writes a second."""
    if nodes < 0 or budget < 1:
        raise ValueError(f"nodes must be at least 0 and the budget at least 1: {nodes}, {budget}")
    needed = nodes * WRITES_PER_NODE_AT_DEFAULTS / budget
    return next(step for step in _steps() if step >= needed)


def derive(nodes: int, budget: int, overrides: Overrides | None = None) -> Heartbeat:
    """The fleet's heartbeat settings: each the default times the factor unless overridden.

    Raises `HeartbeatProblem` for settings under which a healthy node would turn NotReady
    or a value that is out of range.
    """
    given = overrides or Overrides()
    factor = factor_for(nodes, budget)

    def chosen(value: int | None, default: int) -> int:
        return default * factor if value is None else value

    heartbeat = Heartbeat(
        nodes=nodes,
        budget=budget,
        factor=factor,
        lease_duration_s=chosen(given.lease_duration_s, LEASE_DURATION_S),
        node_status_period_s=chosen(given.node_status_period_s, NODE_STATUS_PERIOD_S),
        node_monitor_grace_period_s=chosen(
            given.node_monitor_grace_period_s, NODE_MONITOR_GRACE_PERIOD_S
        ),
        node_monitor_period_s=chosen(given.node_monitor_period_s, NODE_MONITOR_PERIOD_S),
        overridden=frozenset(name for name, value in vars(given).items() if value is not None),
    )
    _check(heartbeat)
    return heartbeat


def _check(heartbeat: Heartbeat) -> None:
    for name, key in KEYS.items():
        value = getattr(heartbeat, name)
        if value > MAX_SECONDS:
            raise HeartbeatProblem(
                key,
                f"{value} s for {heartbeat.nodes} nodes at {heartbeat.budget} writes a second "
                f"(factor {heartbeat.factor}); at most {MAX_SECONDS}: raise "
                "heartbeat.writesPerSecond or set this key",
            )
    grace = heartbeat.node_monitor_grace_period_s
    renew = heartbeat.renew_interval_s
    if renew >= grace:
        lease_given = "lease_duration_s" in heartbeat.overridden
        key = KEYS["lease_duration_s"] if lease_given else KEYS["node_monitor_grace_period_s"]
        raise HeartbeatProblem(
            key,
            f"KWOK renews each node's Lease every quarter of nodeLeaseDurationSeconds "
            f"({heartbeat.lease_duration_s} s: every {renew:g} s), but kube-controller-manager "
            f"marks a node NotReady when its heartbeat is nodeMonitorGracePeriodSeconds "
            f"({grace} s) old, so every node would fall NotReady between renewals: use a "
            f"nodeLeaseDurationSeconds of at most {4 * grace - 1}, or a "
            f"nodeMonitorGracePeriodSeconds above {renew:g}",
        )
    period = heartbeat.node_monitor_period_s
    if period >= grace:
        given = "node_monitor_period_s" in heartbeat.overridden
        key = KEYS["node_monitor_period_s"] if given else KEYS["node_monitor_grace_period_s"]
        raise HeartbeatProblem(
            key,
            f"kube-controller-manager checks the nodes every nodeMonitorPeriodSeconds "
            f"({period} s), which must be shorter than nodeMonitorGracePeriodSeconds ({grace} s): "
            f"use a nodeMonitorPeriodSeconds of at most {grace - 1}",
        )
