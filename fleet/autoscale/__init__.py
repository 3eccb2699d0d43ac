"""What an autoscaled pool gives Karpenter's KWOK provider, derived from the pool alone.

`instance_types` builds the pool's KWOK instance type (its GPUs, cpu, memory, pods and
its priced offerings) and the ConfigMap that holds the fleet's list of them;
`node_pool` the Karpenter `NodePool` whose nodes carry the pool's labels and taint, and
the `KWOKNodeClass` every NodePool names; `objects` lists them in the order a stack
creates them. The CLI prints these objects and the Pulumi components send them
unchanged. It may import `fleet.render` (the pool's labels and taint) and `fleet.stack`;
no Pulumi, no cluster access. See docs/fleet.md, "Autoscaling".
"""
