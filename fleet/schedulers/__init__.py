"""The scheduler a stack chooses (`gpu-fleet:scheduler`) and what it needs from the fleet.

`release` gives the scheduler's Helm release (chart, version, namespace, values),
`kueue` the Kueue objects derived from the pools and teams (a ResourceFlavor per
pool, a ClusterQueue per team in one cohort, a LocalQueue and a
WorkloadPriorityClass per team), `kai` the KAI-Scheduler queues (one parent, a
child per team), `objects` lists them in the order a stack creates them, and
`scenarios` the scheduler demo: jobs sized from the fleet, and what each
scheduler should do with them. It may import `fleet.render` (the node labels and
GPU resource it selects by), `fleet.demo` and `fleet.stack`; no Pulumi, no
cluster access. See docs/schedulers.md.
"""
