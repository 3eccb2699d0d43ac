"""What a fleet's heartbeat asks of the control plane, said in one sentence for `gpu-fleet
check` and the program's warning on a cluster it did not create."""

from fleet.heartbeat.sizing import NODE_MONITOR_GRACE_PERIOD_S, Heartbeat


def flags_text(heartbeat: Heartbeat) -> str:
    """kube-controller-manager's node monitor flags for the fleet, both of them."""
    return (
        f"--node-monitor-grace-period={heartbeat.node_monitor_grace_period_s}s "
        f"--node-monitor-period={heartbeat.node_monitor_period_s}s"
    )


def control_plane_note(heartbeat: Heartbeat, creates_cluster: bool) -> str:
    """Who sets kube-controller-manager's node monitor, and to what."""
    needs_flags = bool(heartbeat.controller_manager_flags())
    if creates_cluster:
        if not needs_flags:
            return "kube-controller-manager keeps its defaults on the kind cluster"
        return f"the kind cluster's kube-controller-manager runs with {flags_text(heartbeat)}"
    if not needs_flags:
        return (
            "the cluster's kube-controller-manager needs no more than Kubernetes' defaults "
            f"({flags_text(heartbeat)})"
        )
    renew = heartbeat.renew_interval_s
    at_defaults = (
        "every fake node turns NotReady between renewals"
        if renew >= NODE_MONITOR_GRACE_PERIOD_S
        else f"a renewal {NODE_MONITOR_GRACE_PERIOD_S - renew:g} s late turns its node NotReady"
    )
    return (
        f"this fleet's nodes renew their Leases every {renew:g} s: the cluster's "
        f"kube-controller-manager needs {flags_text(heartbeat)} (a longer grace period is "
        "fine), which this program does not set on a cluster it did not create; at "
        f"Kubernetes' {NODE_MONITOR_GRACE_PERIOD_S} s grace period {at_defaults}"
    )
