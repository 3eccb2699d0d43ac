"""KWOK: the controller that keeps fake nodes Ready, and the stages that drive it."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kube_object import KubernetesObject
from components.options import next_in_sequence
from fleet.render.kwok import job_complete_stage
from fleet.stack.spec import KwokSpec


@dataclass(frozen=True)
class KwokArgs:
    # Its manifest files or URLs are applied in order: the controller (with its
    # CRDs) first, then the stages, which need those CRDs.
    kwok: KwokSpec


class Kwok(pulumi.ComponentResource):
    """Applies KWOK's release manifests one after another, then the program's own Stage
    that finishes a Job's pod after the delay its annotation names (fleet/render/kwok.py).

    The provider reads each file (or URL), so the Python program never touches
    the network. Fake nodes should depend on this component: without the
    stages, KWOK leaves nodes NotReady.
    """

    manifests: list[k8s.yaml.v2.ConfigFile]
    job_complete: KubernetesObject

    def __init__(
        self, name: str, args: KwokArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:Kwok", name, None, opts)
        sources = args.kwok.manifest_sources
        self.manifests = []
        for index, source in enumerate(sources):
            previous = self.manifests[-1] if self.manifests else None
            self.manifests.append(
                k8s.yaml.v2.ConfigFile(
                    f"{name}-{index}",
                    file=source,
                    skip_await=None if args.kwok.wait else True,
                    opts=next_in_sequence(self, opts, previous),
                )
            )
        self.job_complete = KubernetesObject(
            f"{name}-job-complete-stage",
            job_complete_stage(),
            opts=next_in_sequence(self, opts, self.manifests[-1]),
        )
        self.register_outputs({"manifests": sources})
