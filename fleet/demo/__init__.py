"""The scheduling demo as a model: its workloads and what the scheduler should do with them.

`workloads` sizes the four demo workloads from the fleet, `expect` places them
the way the default scheduler's filters would, `outcome` holds the Running and
Pending counts and the scheduler's Pending reasons (the types both the
expectation and the evidence use), and `plan` works all of it out once per
run. It may import `fleet.stack` only; it renders no objects. See docs/demo.md.
"""
