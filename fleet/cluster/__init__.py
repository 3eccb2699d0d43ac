"""Writes to a live cluster's nodes through the kubernetes client, in bulk.

It owns the requests behind a pool-level node resource (`nodeResources: perPool`):
create, apply, list and delete the fake nodes of one pool, a bounded number at a time.
It imports nothing from the rest of `fleet` (the caller hands it finished manifests)
and nothing from Pulumi; `components/node_pool_provider.py` is the Pulumi side.
"""
