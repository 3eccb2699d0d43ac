"""KWOK: the controllers that keep fake nodes Ready, and the stages that drive them."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kube_object import KubernetesObject
from components.options import child_options, next_in_sequence
from fleet.render.kwok import controller_deployment, job_complete_stage, release_object
from fleet.stack.spec import FleetSpec


@dataclass(frozen=True)
class KwokArgs:
    # `kwok.manifests` are applied in order: the controller release (with its CRDs)
    # first, then the stages, which need those CRDs; the pools give the shard count.
    spec: FleetSpec


class Kwok(pulumi.ComponentResource):
    """Applies KWOK's release manifests one after another, with one controller per shard,
    then the program's own Stage that finishes a Job's pod after the delay its annotation
    names (fleet/render/kwok.py).

    The provider reads each file (or URL), so the Python program never touches
    the network. A transform turns the release's controller Deployment into shard
    0's as it is registered (`fleet.render.kwok.release_object`); shards 1 to N-1
    follow the manifests. Fake nodes should depend on this component: without the
    stages, KWOK leaves nodes NotReady.
    """

    manifests: list[k8s.yaml.v2.ConfigFile]
    job_complete: KubernetesObject
    shards: list[KubernetesObject]

    def __init__(
        self, name: str, args: KwokArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:Kwok", name, None, opts)
        kwok = args.spec.kwok
        sources = kwok.manifest_sources
        self.manifests = []
        for index, source in enumerate(sources):
            previous = self.manifests[-1] if self.manifests else None
            shard_zero = pulumi.ResourceOptions(transforms=[self._shard_zero(args.spec)])
            self.manifests.append(
                k8s.yaml.v2.ConfigFile(
                    f"{name}-{index}",
                    file=source,
                    skip_await=None if kwok.wait else True,
                    opts=pulumi.ResourceOptions.merge(
                        next_in_sequence(self, opts, previous), shard_zero
                    ),
                )
            )
        self.job_complete = KubernetesObject(
            f"{name}-job-complete-stage",
            job_complete_stage(),
            opts=next_in_sequence(self, opts, self.manifests[-1]),
        )
        after_release = child_options(self, opts, pulumi.ResourceOptions(depends_on=self.manifests))
        self.shards = [
            KubernetesObject(manifest["metadata"]["name"], manifest, after_release)
            for manifest in (
                controller_deployment(args.spec, shard)
                for shard in range(1, args.spec.kwok_controllers)
            )
        ]
        self.register_outputs({"manifests": sources, "controllers": args.spec.kwok_controllers})

    @staticmethod
    def _shard_zero(spec: FleetSpec) -> pulumi.ResourceTransform:
        def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
            replacement = release_object(spec, dict(args.props))
            if replacement is None:
                return None
            return pulumi.ResourceTransformResult(props=replacement, opts=args.opts)

        return transform
