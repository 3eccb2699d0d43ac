"""Heartbeats sized to the fleet: how often fake nodes prove they are alive, and how long
kube-controller-manager waits before it believes they are not.

`sizing` derives, from the fleet's node count and a budget of heartbeat writes a second,
the node Lease duration KWOK keeps (its renewal interval follows), the period of the node
status heartbeat (KWOK's `node-heartbeat-with-lease` Stage), and kube-controller-manager's
`--node-monitor-grace-period` and `--node-monitor-period`, each overridable. Pure
arithmetic: it imports nothing from the rest of `fleet`; `fleet.stack` validates the
stack's `heartbeat` key with it, `fleet.render` and `components/` carry the values to KWOK
and to the kind cluster. docs/scale.md, "Heartbeats sized to the fleet", has the formula.
"""
