"""The fleet spec and the stack files that declare it.

`spec` holds the validated models of one stack's `gpu-fleet:` config (the only
place the fleet's rules and limits live; `model` is their shared base, `autoscale`
an autoscaled pool's bounds and prices and the names Karpenter is given), `catalog`
the GPU products the fleet knows, `versions` every pinned version, `load` reads a
stack file (or Pulumi config) into a `FleetSpec` with messages that name the file and
key, `project` finds the stack folder through `Pulumi.yaml`, and `figures` gives the
fleet's totals as plain data for the stack outputs. It may import `fleet.sharing` (a
pool's MIG profiles and what its nodes offer), `fleet.heartbeat` and `fleet.files` only;
everything else in `fleet` builds on it. See docs/fleet.md.
"""
