"""A kind cluster: one control plane and one real worker for KWOK, the operator and CoreDNS."""

from dataclasses import dataclass

import pulumi
import pulumi_command
import yaml

from components.options import child_options
from fleet.stack.spec import KindClusterSpec

# Nothing selects on it; it stays because kind's config is an input of the
# cluster's command, and any change to that replaces the cluster (docs/fleet.md).
SYSTEM_NODE_LABEL = "node-purpose=system"


@dataclass(frozen=True)
class KindClusterArgs:
    cluster: KindClusterSpec


def kind_config() -> str:
    """kind's cluster config: the worker is labelled as the home of the system workloads."""
    config = {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "nodes": [
            {"role": "control-plane"},
            {"role": "worker", "labels": dict([SYSTEM_NODE_LABEL.split("=")])},
        ],
    }
    return yaml.safe_dump(config, sort_keys=False)


# kind logs to stderr, so stdout carries nothing but the kubeconfig.
CREATE = (
    'kind create cluster --name "$KIND_CLUSTER" --image "$KIND_NODE_IMAGE" --config - --wait 5m'
    ' >&2 && kind get kubeconfig --name "$KIND_CLUSTER"'
)
DELETE = 'kind delete cluster --name "$KIND_CLUSTER"'


class KindCluster(pulumi.ComponentResource):
    """Creates the cluster with `kind` and exports its kubeconfig as a secret."""

    kubeconfig: pulumi.Output[str]

    def __init__(
        self, name: str, args: KindClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:KindCluster", name, None, opts)
        command = pulumi_command.local.Command(
            f"{name}-kind",
            create=CREATE,
            delete=DELETE,
            stdin=kind_config(),
            environment={
                "KIND_CLUSTER": args.cluster.name,
                "KIND_NODE_IMAGE": args.cluster.node_image,
            },
            opts=child_options(
                self,
                opts,
                pulumi.ResourceOptions(
                    # kind cannot change a cluster in place, and two clusters of one
                    # name cannot exist at once: any change deletes, then creates.
                    replace_on_changes=["*"],
                    delete_before_replace=True,
                    additional_secret_outputs=["stdout"],
                ),
            ),
        )
        self.kubeconfig = pulumi.Output.secret(command.stdout)
        self.register_outputs({"kubeconfig": self.kubeconfig})
