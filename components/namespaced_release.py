"""A Helm release in a namespace of its own: the namespace a resource the release follows."""

from typing import Any, Protocol

import pulumi
import pulumi_kubernetes as k8s

from components.kube_object import KubernetesObject
from components.options import child_options


class ChartSettings(Protocol):
    """What a spec section says of its chart (`OperatorSpec`, `MonitoringSpec`)."""

    @property
    def namespace(self) -> str: ...
    @property
    def release_name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def wait(self) -> bool: ...
    @property
    def chart_source(self) -> tuple[str, str | None]: ...


def release_in_namespace(
    parent: pulumi.ComponentResource,
    name: str,
    opts: pulumi.ResourceOptions | None,
    settings: ChartSettings,
    namespace: dict[str, Any],
    values: dict[str, Any],
    disable_webhooks: bool | None = None,
) -> tuple[KubernetesObject, k8s.helm.v3.Release]:
    """The `namespace` manifest as a resource named after it, then the release `name` of
    `settings`' chart in it with `values`, after the namespace (Helm's `createNamespace`
    off). Both are children of `parent`, given its `opts`."""
    namespace_object = KubernetesObject(settings.namespace, namespace, child_options(parent, opts))
    chart, repository = settings.chart_source
    release = k8s.helm.v3.Release(
        name,
        name=settings.release_name,
        chart=chart,
        version=settings.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=repository) if repository else None,
        namespace=settings.namespace,
        create_namespace=False,
        values=values,
        skip_await=not settings.wait,
        disable_webhooks=disable_webhooks,
        opts=child_options(parent, opts, pulumi.ResourceOptions(depends_on=[namespace_object])),
    )
    return namespace_object, release
