"""The scheduling demo of REFERENCE §2: a namespace and four GPU workloads."""

from dataclasses import dataclass
from typing import Any

import pulumi

from components.kube_object import KubernetesObject
from components.options import child_options


@dataclass(frozen=True)
class DemoWorkloadsArgs:
    # The namespace first, then the workloads in the order the expected
    # outcome assumes (fleet.demo builds them).
    manifests: list[dict[str, Any]]


def _resource_name(manifest: dict[str, Any]) -> str:
    metadata = manifest["metadata"]
    namespace = metadata.get("namespace")
    return f"{namespace}/{metadata['name']}" if namespace else str(metadata["name"])


class DemoWorkloads(pulumi.ComponentResource):
    """Creates the workloads one after another.

    The order is part of the outcome: the small pod must hold its GPU before
    the queue fills the rest. Workloads expected to stay Pending carry
    `pulumi.com/skipAwait`, so `pulumi up` returns promptly.
    """

    objects: list[KubernetesObject]

    def __init__(
        self, name: str, args: DemoWorkloadsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:DemoWorkloads", name, None, opts)
        self.objects = []
        after = child_options(self, opts)
        for manifest in args.manifests:
            self.objects.append(KubernetesObject(_resource_name(manifest), manifest, after))
            after = pulumi.ResourceOptions(parent=self, depends_on=self.objects[-1:])
        self.register_outputs({"objects": [_resource_name(m) for m in args.manifests]})
