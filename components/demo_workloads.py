"""The scheduling demo (docs/demo.md): a namespace and four GPU workloads per GPU offer."""

from dataclasses import dataclass
from typing import Any

import pulumi

from components.kube_object import KubernetesObject
from components.options import next_in_sequence
from fleet.render.demo import demo_objects
from fleet.stack.spec import FleetSpec


@dataclass(frozen=True)
class DemoWorkloadsArgs:
    # The whole fleet: the workloads are sized from its pools.
    spec: FleetSpec


def _resource_name(manifest: dict[str, Any]) -> str:
    metadata = manifest["metadata"]
    namespace = metadata.get("namespace")
    return f"{namespace}/{metadata['name']}" if namespace else str(metadata["name"])


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
        names = [_resource_name(manifest) for manifest in manifests]
        self.objects = []
        for resource_name, manifest in zip(names, manifests, strict=True):
            previous = self.objects[-1] if self.objects else None
            self.objects.append(
                KubernetesObject(resource_name, manifest, next_in_sequence(self, opts, previous))
            )
        self.register_outputs({"objects": names})
