"""The whole fleet: cluster, KWOK, node pools, operator, autoscaler templates, scheduler and
demo, in that order."""

import os

import pulumi
import pulumi_kubernetes as k8s

from components.autoscaler import Autoscaler, AutoscalerArgs
from components.demo_workloads import DemoWorkloads, DemoWorkloadsArgs
from components.fake_gpu_operator import FakeGpuOperator, FakeGpuOperatorArgs
from components.gpu_node_pool import ClusterConnection, GpuNodePool, GpuNodePoolArgs
from components.kind_cluster import KindCluster, KindClusterArgs
from components.kube_object import KubernetesObject
from components.kwok import Kwok, KwokArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.options import child_options
from components.scheduler import Scheduler, SchedulerArgs
from fleet.heartbeat.advice import control_plane_note
from fleet.render.dra import device_class, program_creates_device_class
from fleet.stack.owner import StackOwner
from fleet.stack.spec import ExistingClusterSpec, FleetSpec


def _existing_kubeconfig(cluster: ExistingClusterSpec) -> pulumi.Input[str] | None:
    """`cluster.kubeconfig` as the provider and the pool resources get it: a path with `~`
    expanded, or inline kubeconfig text as a secret (it holds the cluster's credentials)."""
    kubeconfig = cluster.kubeconfig
    if kubeconfig is None:
        return None
    if cluster.inline_kubeconfig:
        return pulumi.Output.secret(kubeconfig)
    return os.path.expanduser(kubeconfig)


def _connection(spec: FleetSpec, kind_kubeconfig: pulumi.Output[str] | None) -> ClusterConnection:
    """What the stack's kubernetes provider is given, for the pool-level resources."""
    if isinstance(spec.cluster, ExistingClusterSpec):
        return ClusterConnection(_existing_kubeconfig(spec.cluster), spec.cluster.context)
    return ClusterConnection(kind_kubeconfig, None, delete_unreachable=True)


class GpuFleet(pulumi.ComponentResource):
    """Composes the fleet of one stack from its validated spec.

    Order: the cluster and a provider bound to it; KWOK (controller, then
    stages); the node pools, after KWOK; the operator, after the nodes; the
    DeviceClass when GPUs are offered by DRA; the autoscaled pools' Karpenter
    templates, after the operator (which advertises the GPUs of the nodes Karpenter
    adds); the scheduler a stack chooses besides the default one, with its teams'
    queues, after the operator (Kueue's webhooks refuse other charts' Deployments until
    its manager serves); the monitoring (Prometheus scraping the operator's exporter),
    after the operator; the demo, after the operator, the DeviceClass and the scheduler
    (whose webhooks see its pods).
    """

    kubeconfig: pulumi.Output[str] | None
    k8s_provider: k8s.Provider
    kwok: Kwok | None
    pools: dict[str, GpuNodePool]
    operator: FakeGpuOperator | None
    device_class: KubernetesObject | None
    autoscaler: Autoscaler | None
    scheduler: Scheduler | None
    monitoring: Monitoring | None
    demo: DemoWorkloads | None

    def __init__(self, name: str, spec: FleetSpec, opts: pulumi.ResourceOptions | None = None):
        super().__init__("gpu-fleet:index:GpuFleet", name, None, opts)
        self.k8s_provider, self.kubeconfig = self._cluster_provider(name, spec, opts)
        on_cluster = child_options(self, opts, pulumi.ResourceOptions(provider=self.k8s_provider))

        self.kwok = None
        if spec.kwok.install:
            self.kwok = Kwok(f"{name}-kwok", KwokArgs(spec), on_cluster)

        after_kwok = pulumi.ResourceOptions.merge(
            on_cluster, pulumi.ResourceOptions(depends_on=[self.kwok] if self.kwok else [])
        )
        connection = _connection(spec, self.kubeconfig)
        owner = StackOwner(pulumi.get_project(), pulumi.get_stack())
        self.pools = {
            pool_name: GpuNodePool(
                pool_name,
                GpuNodePoolArgs(
                    pool_name, pool, owner, spec.kwok_controllers, spec.node_resources, connection
                ),
                after_kwok,
            )
            for pool_name, pool in spec.pools.items()
        }
        nodes: list[pulumi.Resource] = list(self.pools.values())

        self.operator = None
        if spec.operator.install:
            self.operator = FakeGpuOperator(
                f"{name}-operator",
                FakeGpuOperatorArgs(spec),
                pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=nodes)),
            )

        self.device_class = None
        if program_creates_device_class(spec):
            manifest = device_class()
            self.device_class = KubernetesObject(manifest["metadata"]["name"], manifest, on_cluster)

        self.autoscaler = None
        if spec.autoscaled_pools:
            advertised: list[pulumi.Resource] = [self.operator] if self.operator else nodes
            self.autoscaler = Autoscaler(
                f"{name}-autoscaler",
                AutoscalerArgs(spec, owner),
                pulumi.ResourceOptions.merge(
                    on_cluster, pulumi.ResourceOptions(depends_on=advertised)
                ),
            )

        self.scheduler = None
        if spec.scheduler != "default":
            # Kueue's webhooks see every Deployment and Pod outside its own namespace (the
            # operator's too) and refuse them until its manager serves: it comes last.
            installed: list[pulumi.Resource] = [self.operator] if self.operator else nodes
            self.scheduler = Scheduler(
                f"{name}-scheduler",
                SchedulerArgs(spec),
                pulumi.ResourceOptions.merge(
                    on_cluster, pulumi.ResourceOptions(depends_on=installed)
                ),
            )

        self.monitoring = None
        if spec.monitoring.enabled and self.operator is not None:
            self.monitoring = Monitoring(
                f"{name}-monitoring",
                MonitoringArgs(spec),
                pulumi.ResourceOptions.merge(
                    on_cluster, pulumi.ResourceOptions(depends_on=[self.operator])
                ),
            )

        self.demo = None
        if spec.demo.enabled:
            gpus_advertised: list[pulumi.Resource] = [self.operator] if self.operator else nodes
            gpus_advertised += [self.device_class] if self.device_class else []
            gpus_advertised += [self.scheduler] if self.scheduler else []
            self.demo = DemoWorkloads(
                f"{name}-demo",
                DemoWorkloadsArgs(spec),
                pulumi.ResourceOptions.merge(
                    on_cluster, pulumi.ResourceOptions(depends_on=gpus_advertised)
                ),
            )
        # The kubeconfig is an attribute, not a registered output: the Python SDK (3.259.0)
        # logs every registered output, secrets in clear, at debug level (docs/fleet.md).
        self.register_outputs({})

    def _cluster_provider(
        self, name: str, spec: FleetSpec, opts: pulumi.ResourceOptions | None
    ) -> tuple[k8s.Provider, pulumi.Output[str] | None]:
        """A provider bound to the stack's cluster, with a stable identity, and the
        kubeconfig of the kind cluster it creates (None for an existing cluster).

        The kind kubeconfig is unknown until the cluster exists, so previews
        work before it does; `cluster_identifier` keeps a changed kubeconfig
        from planning a replacement of every object under the provider.
        """
        child = child_options(self, opts)
        if isinstance(spec.cluster, ExistingClusterSpec):
            if spec.heartbeats.controller_manager_flags():
                # The program cannot set the node monitor of a cluster it did not create.
                pulumi.log.warn(control_plane_note(spec.heartbeats, False), self)
            existing = k8s.Provider(
                f"{name}-k8s",
                kubeconfig=_existing_kubeconfig(spec.cluster),
                context=spec.cluster.context,
                cluster_identifier=f"existing-{spec.cluster.context or 'current-context'}",
                enable_patch_force=True,
                opts=child,
            )
            return existing, None
        cluster = KindCluster(
            f"{name}-cluster", KindClusterArgs(spec.cluster, spec.heartbeats), child
        )
        kind = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=cluster.kubeconfig,
            cluster_identifier=f"kind-{spec.cluster.name}",
            # `pulumi destroy` still succeeds after the kind cluster is gone.
            delete_unreachable=True,
            enable_patch_force=True,
            opts=child,
        )
        return kind, cluster.kubeconfig
