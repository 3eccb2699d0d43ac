"""Requests to a live cluster's nodes through the kubernetes client, in bulk.

It owns the requests behind the pool-level resources (`nodeResources: perPool`, and
the status of `perNode` pools): server-side apply of nodes and of their status, a
metadata-only list, deletes guarded by uid, a bounded number at a time, each with a
timeout, retries that honour `Retry-After`, and a stop after failures in a row. It
imports nothing from the rest of `fleet` (the caller hands it finished manifests) and
nothing from Pulumi; `fleet.reconcile` decides what a pool writes, and
`components/node_pool_provider.py` is the Pulumi side.
"""
