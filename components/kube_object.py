"""One Kubernetes object, sent exactly as `fleet` built it."""

from importlib.metadata import version
from typing import Any

import pulumi


def type_token(api_version: str, kind: str) -> str:
    """The kubernetes provider's type token: `v1`/`Node` -> `kubernetes:core/v1:Node`."""
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return f"kubernetes:{group_version}:{kind}"


def resource_name(manifest: dict[str, Any]) -> str:
    """`namespace/name` of a namespaced object, `name` of a cluster-wide one."""
    metadata = manifest["metadata"]
    namespace = metadata.get("namespace")
    return f"{namespace}/{metadata['name']}" if namespace else str(metadata["name"])


class KubernetesObject(pulumi.CustomResource):
    """A Kubernetes object from a plain manifest, registered under its kind's own type token.

    The typed SDK classes cannot carry everything the fleet sends: `core.v1.Node`
    takes no `status`, yet a fake node must be created with its cpu/memory/pods
    (docs/fleet.md, "Status"). Registering the manifest as it is also keeps `python -m fleet
    manifests` and the stack byte-for-byte the same objects.
    """

    metadata: pulumi.Output[Any]

    def __init__(
        self, name: str, manifest: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        # Pin the plugin to the SDK's version, as the typed classes do.
        plugin = pulumi.ResourceOptions(version=version("pulumi-kubernetes"))
        super().__init__(
            type_token(manifest["apiVersion"], manifest["kind"]),
            name,
            dict(manifest),
            pulumi.ResourceOptions.merge(opts, plugin),
        )
