"""The scheduler a stack chooses (`gpu-fleet:scheduler`) and what it needs from the fleet.

`release` gives the scheduler's Helm release (chart, version, namespaces, values, the
CRD files of a local chart), `teams` each team's namespace, `kueue` the Kueue objects
derived from the pools and teams (a ResourceFlavor per pool, a ClusterQueue per team in
one cohort, a LocalQueue and a WorkloadPriorityClass per team), `kai` the KAI-Scheduler
queues (one parent, a child per team), `objects` lists them in the order a stack
creates them, `scenarios` the scheduler demo (jobs sized from the fleet and teams, and
what the scheduler should show after each step) and `workloads` the pods (and KAI
PodGroups) of its jobs. It may import `fleet.render` (the node labels and GPU resource
it selects by, the values merge), `fleet.demo` and `fleet.stack`; no Pulumi, no cluster
access. See docs/schedulers.md.
"""
