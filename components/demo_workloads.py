"""The scheduling demo (docs/demo.md): a namespace and four GPU workloads per GPU offer."""

from dataclasses import dataclass

import pulumi

from components.kube_object import KubernetesObject, resource_name
from components.options import next_in_sequence
from fleet.render.demo import demo_objects
from fleet.stack.spec import FleetSpec


@dataclass(frozen=True)
class DemoWorkloadsArgs:
    # The whole fleet: the workloads are sized from its pools.
    spec: FleetSpec


class DemoWorkloads(pulumi.ComponentResource):
    """Creates the namespace, then the workloads one after another, as `fleet.render.demo`
    renders them.

    The order is part of the outcome: the small pod must hold its GPU before
    the queue fills the rest. The workloads meant to leave pods Pending carry
    `pulumi.com/skipAwait` (fleet.render.demo), so `pulumi up` returns promptly.
    """

    objects: list[KubernetesObject]

    def __init__(
        self, name: str, args: DemoWorkloadsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:DemoWorkloads", name, None, opts)
        manifests = demo_objects(args.spec)
        names = [resource_name(manifest) for manifest in manifests]
        self.objects = []
        for object_name, manifest in zip(names, manifests, strict=True):
            previous = self.objects[-1] if self.objects else None
            self.objects.append(
                KubernetesObject(object_name, manifest, next_in_sequence(self, opts, previous))
            )
        self.register_outputs({"objects": names})
