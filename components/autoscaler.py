"""What the autoscaled pools give Karpenter's KWOK provider: its instance types, and per
pool a KWOKNodeClass and a NodePool (docs/fleet.md, "Autoscaling")."""

from dataclasses import dataclass

import pulumi

from components.kube_object import KubernetesObject, resource_name
from components.options import next_in_sequence
from fleet.autoscale.objects import autoscale_objects
from fleet.stack.owner import StackOwner
from fleet.stack.spec import FleetSpec


@dataclass(frozen=True)
class AutoscalerArgs:
    # The whole fleet: one file holds every autoscaled pool's instance type.
    spec: FleetSpec
    owner: StackOwner


class Autoscaler(pulumi.ComponentResource):
    """Sends the objects `fleet.autoscale` renders, one after another: the instance types'
    ConfigMap, then each pool's KWOKNodeClass and NodePool.

    The program owns these templates; the nodes Karpenter makes from them are Karpenter's
    (no resources of the stack, and without the owner labels, so the pool's resources never
    count, rewrite or delete them). Deleting a NodePool on `destroy` leaves its nodes to
    Karpenter to remove.
    """

    objects: list[KubernetesObject]

    def __init__(
        self, name: str, args: AutoscalerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:Autoscaler", name, None, opts)
        self.objects = []
        for manifest in autoscale_objects(args.spec, args.owner):
            previous = self.objects[-1] if self.objects else None
            self.objects.append(
                KubernetesObject(
                    resource_name(manifest), manifest, next_in_sequence(self, opts, previous)
                )
            )
        self.register_outputs({"nodePools": list(args.spec.autoscaled_pools)})
