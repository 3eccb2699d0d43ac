"""run.ai's fake-gpu-operator: advertises `nvidia.com/gpu` on the fake nodes."""

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.options import child_options
from fleet.spec import OperatorSpec


@dataclass(frozen=True)
class FakeGpuOperatorArgs:
    operator: OperatorSpec
    # The chart values, topology derived from the pools (fleet.operator_values).
    values: dict[str, Any]


class FakeGpuOperator(pulumi.ComponentResource):
    """A real Helm release (hooks and `helm ls` behave as with the helm CLI)."""

    release: k8s.helm.v3.Release

    def __init__(
        self, name: str, args: FakeGpuOperatorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:FakeGpuOperator", name, None, opts)
        operator = args.operator
        chart, repository = operator.chart_source
        self.release = k8s.helm.v3.Release(
            name,
            name=operator.release_name,
            chart=chart,
            version=operator.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=repository) if repository else None,
            namespace=operator.namespace,
            create_namespace=True,
            values=args.values,
            skip_await=not operator.wait,
            disable_webhooks=not operator.hooks,
            opts=child_options(self, opts),
        )
        self.register_outputs({"status": self.release.status})
