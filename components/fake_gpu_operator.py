"""run.ai's fake-gpu-operator: advertises `nvidia.com/gpu` on the fake nodes."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kube_object import KubernetesObject
from components.namespaced_release import release_in_namespace
from fleet.render.operator import operator_namespace, operator_values
from fleet.stack.spec import FleetSpec


@dataclass(frozen=True)
class FakeGpuOperatorArgs:
    # The whole fleet: the chart's topology values are derived from its pools.
    spec: FleetSpec


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
        operator = args.spec.operator
        self.namespace, self.release = release_in_namespace(
            self,
            name,
            opts,
            operator,
            operator_namespace(args.spec),
            operator_values(args.spec),
            disable_webhooks=not operator.hooks,
        )
        self.register_outputs({"status": self.release.status})
