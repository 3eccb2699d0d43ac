"""GPU sharing: the MIG profiles each product has, whether a layout fits one GPU, and
what a node offers when its GPUs are partitioned or time-sliced.

`profiles` is the MIG catalog (profile names, compute and memory slices, placements, per
product), `layout` decides whether a layout of profiles fits one GPU and says why not,
`offer` gives what one node advertises (`nvidia.com/gpu`, `nvidia.com/mig-<profile>`,
the GPU Feature Discovery labels) from a pool's declaration. Plain values in and out: it
imports nothing of `fleet`; `fleet.stack` validates a pool's `sharing` with it and
`fleet.render` turns its offer into node labels and operator values. See docs/fleet.md,
"GPU sharing".
"""
