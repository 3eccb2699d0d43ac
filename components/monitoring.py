"""GPU telemetry on the cluster: Prometheus scraping the operator's KWOK exporter."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kube_object import KubernetesObject, resource_name
from components.namespaced_release import release_in_namespace
from components.options import child_options
from fleet.stack.spec import FleetSpec
from fleet.telemetry.cluster import PART_OF, chart_values, operator_objects


@dataclass(frozen=True)
class MonitoringArgs:
    # The whole fleet: the rules follow its products, the scrape its operator's namespace.
    spec: FleetSpec


class Monitoring(pulumi.ComponentResource):
    """`mode: chart`: a namespace and a Helm release of the community `prometheus` chart
    in it. `mode: serviceMonitor`: a ServiceMonitor and a PrometheusRule for the
    Prometheus Operator the cluster runs."""

    namespace: KubernetesObject | None
    release: k8s.helm.v3.Release | None
    objects: list[KubernetesObject]

    def __init__(
        self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:Monitoring", name, None, opts)
        monitoring = args.spec.monitoring
        self.namespace, self.release, self.objects = None, None, []
        if monitoring.mode == "serviceMonitor":
            self.objects = [
                KubernetesObject(resource_name(manifest), manifest, child_options(self, opts))
                for manifest in operator_objects(args.spec)
            ]
            self.register_outputs({})
            return
        manifest = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": monitoring.namespace, "labels": dict(PART_OF)},
        }
        self.namespace, self.release = release_in_namespace(
            self, name, opts, monitoring, manifest, chart_values(args.spec)
        )
        self.register_outputs({"status": self.release.status})
