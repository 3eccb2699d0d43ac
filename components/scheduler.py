"""The stack's scheduler (`gpu-fleet:scheduler`: kueue or kai): its Helm release, then the
teams' namespaces and queue objects (docs/schedulers.md)."""

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from components.kube_object import KubernetesObject, resource_name
from components.options import child_options, next_in_sequence
from fleet.schedulers.objects import queue_objects
from fleet.schedulers.release import scheduler_release
from fleet.schedulers.teams import namespace, team_namespaces
from fleet.stack.spec import FleetSpec


@dataclass(frozen=True)
class SchedulerArgs:
    # The whole fleet: flavors come from its pools, queues from its teams.
    spec: FleetSpec


class Scheduler(pulumi.ComponentResource):
    """The release's namespace, the upstream chart as a Helm release in it, then the
    objects of `fleet.schedulers.objects` one after another, after the release (its
    CRDs define them, its webhooks admit them). A local chart's `crds/` files are
    applied by the program before the release, so that destroy removes them
    (`SchedulerRelease.crd_files`).

    The namespaces (the release's and the teams') are resources of their own, as for
    the operator, so that `pulumi destroy` removes them and whatever the scheduler
    created in them. They come before the release and go after it: a namespace cannot
    finish deleting while an APIService of the cluster does not answer, as Kueue's
    visibility API does not when its manager is down.
    """

    namespaces: list[KubernetesObject]
    crds: list[k8s.yaml.v2.ConfigFile]
    release: k8s.helm.v3.Release
    objects: list[KubernetesObject]

    def __init__(
        self, name: str, args: SchedulerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:Scheduler", name, None, opts)
        release = scheduler_release(args.spec)
        manifests = [namespace(own) for own in release.namespaces]
        manifests += team_namespaces(args.spec)
        self.namespaces = [
            KubernetesObject(resource_name(manifest), manifest, child_options(self, opts))
            for manifest in manifests
        ]
        # The provider reads each file; the program reads none.
        self.crds = [
            k8s.yaml.v2.ConfigFile(
                f"{name}-crd-{Path(path).stem}", file=path, opts=child_options(self, opts)
            )
            for path in release.crd_files
        ]
        self.release = k8s.helm.v3.Release(
            name,
            name=release.name,
            chart=release.chart,
            version=release.version,
            namespace=release.namespace,
            create_namespace=False,
            values=release.values,
            skip_await=not release.wait,
            disable_webhooks=not release.hooks,
            skip_crds=bool(self.crds),
            opts=child_options(
                self, opts, pulumi.ResourceOptions(depends_on=[*self.namespaces, *self.crds])
            ),
        )
        after_release = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(depends_on=[self.release])
        )
        self.objects = []
        for manifest in queue_objects(args.spec):
            previous = self.objects[-1] if self.objects else None
            self.objects.append(
                KubernetesObject(
                    resource_name(manifest),
                    manifest,
                    next_in_sequence(self, after_release, previous),
                )
            )
        self.register_outputs({"status": self.release.status})
