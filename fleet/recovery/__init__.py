"""Recovering a stack whose `pulumi up` was interrupted (the engine killed mid-run).

`pending` reads a stack's state as `pulumi stack export` prints it and finds the node
creates the engine had started but not recorded, as the `pulumi refresh` arguments
that import them (README, "Recovering from an interrupted `up`"). It may import
`fleet.files` only; no Pulumi, no cluster access.
"""
