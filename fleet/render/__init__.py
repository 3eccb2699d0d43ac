"""What the fleet renders: every Kubernetes object and Helm value derived from a spec.

`nodes` builds the fake Node objects (and owns their labels, annotation and
taint), `kwok` the KWOK Stage that ends a replay's pods after their duration,
`operator` the fake-gpu-operator's values and namespace, `dra` the
DeviceClass and ResourceClaimTemplates of Dynamic Resource Allocation, `demo`
the scheduling demo's namespace and workloads, and `objects` lists them all in
the order a stack creates them. The CLI prints these objects and the Pulumi
components send them unchanged. It may import `fleet.stack` and `fleet.demo`;
no Pulumi, no cluster access. See docs/fleet.md and docs/demo.md.
"""
