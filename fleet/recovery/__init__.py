"""Recovering a stack whose `pulumi up` was interrupted (the engine killed mid-run).

`orphans` compares the nodes a `perNode` stack owns in the cluster (by its owner
label) with the Node resources its state holds (`pulumi stack export`): a node the
engine created but did not record is an orphan, which the next `up` could not create
again. It may import `fleet.files` only; the command does the cluster calls.
"""
