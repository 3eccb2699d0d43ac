"""A pool's fake nodes reconciled in bulk against what the cluster holds
(`nodeResources: perPool`), with no Pulumi: the pool's inputs as the engine's wire
carries them (`inputs`), the one-line summary a preview shows (`preview`), which nodes
are the pool's (`ownership`), the reconcile itself (`nodes`) and the custom timeouts
that bound it (`durations`).

It imports `fleet.cluster` (the requests), `fleet.render` (the node as rendered, its
labels and KWOK shard) and `fleet.stack` (node names);
`components/node_pool_provider.py` is the thin Pulumi side.
"""
