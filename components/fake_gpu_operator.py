"""run.ai's fake-gpu-operator: advertises `nvidia.com/gpu` on the fake nodes."""

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kube_object import KubernetesObject
from components.options import child_options
from fleet.stack.spec import OperatorSpec


@dataclass(frozen=True)
class FakeGpuOperatorArgs:
    operator: OperatorSpec
    # The release's namespace object (fleet.operator_values.operator_namespace).
    namespace: dict[str, Any]
    # The chart values, topology derived from the pools (fleet.render.operator).
    values: dict[str, Any]


class FakeGpuOperator(pulumi.ComponentResource):
    """The release's namespace and a real Helm release in it (hooks and `helm ls`
    behave as with the helm CLI).

    The namespace is a resource of its own rather than Helm's `createNamespace`:
    the operator creates objects outside its release there (a `topology-<node>`
    ConfigMap per fake node, and up to 0.0.66 an exporter Deployment per node),
    which `helm uninstall` leaves behind; deleting the namespace on `pulumi destroy`
    removes them too.
    """

    namespace: KubernetesObject
    release: k8s.helm.v3.Release

    def __init__(
        self, name: str, args: FakeGpuOperatorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:FakeGpuOperator", name, None, opts)
        operator = args.operator
        chart, repository = operator.chart_source
        child = child_options(self, opts)
        self.namespace = KubernetesObject(operator.namespace, args.namespace, child)
        self.release = k8s.helm.v3.Release(
            name,
            name=operator.release_name,
            chart=chart,
            version=operator.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=repository) if repository else None,
            namespace=operator.namespace,
            create_namespace=False,
            values=args.values,
            skip_await=not operator.wait,
            disable_webhooks=not operator.hooks,
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=[self.namespace])
            ),
        )
        self.register_outputs({"status": self.release.status})
