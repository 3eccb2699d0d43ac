"""The scheduling demo of REFERENCE §2: a namespace and four GPU workloads."""

from dataclasses import dataclass
from typing import Any

import pulumi

from components.kube_object import KubernetesObject
from components.options import next_in_sequence


@dataclass(frozen=True)
class DemoWorkloadsArgs:
    # The namespace first, then the workloads in the order the expected
    # outcome assumes (fleet.demo.workloads builds them).
    manifests: list[dict[str, Any]]


def _resource_name(manifest: dict[str, Any]) -> str:
    metadata = manifest["metadata"]
    namespace = metadata.get("namespace")
    return f"{namespace}/{metadata['name']}" if namespace else str(metadata["name"])


class DemoWorkloads(pulumi.ComponentResource):
    """Creates the workloads one after another.

    The order is part of the outcome: the small pod must hold its GPU before
    the queue fills the rest. The workloads meant to leave pods Pending carry
    `pulumi.com/skipAwait` (fleet.render.demo), so `pulumi up` returns promptly.
    """

    objects: list[KubernetesObject]

    def __init__(
        self, name: str, args: DemoWorkloadsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:DemoWorkloads", name, None, opts)
        names = [_resource_name(manifest) for manifest in args.manifests]
        self.objects = []
        for resource_name, manifest in zip(names, args.manifests, strict=True):
            previous = self.objects[-1] if self.objects else None
            self.objects.append(
                KubernetesObject(resource_name, manifest, next_in_sequence(self, opts, previous))
            )
        self.register_outputs({"objects": names})
