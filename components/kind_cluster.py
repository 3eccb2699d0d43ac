"""A kind cluster: one control plane and one real worker for KWOK, the operator and CoreDNS."""

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_command
import yaml

from components.options import child_options
from fleet.heartbeat.sizing import Heartbeat
from fleet.stack.spec import KindClusterSpec, SchedulerClientSpec

# Nothing selects on it; it stays because kind's config is an input of the
# cluster's command, and any change to that replaces the cluster (docs/fleet.md).
SYSTEM_NODE_LABEL = "node-purpose=system"


@dataclass(frozen=True)
class KindClusterArgs:
    cluster: KindClusterSpec
    # The node monitor settings kube-controller-manager needs for the fleet.
    heartbeat: Heartbeat


# Kubelet 1.35 and later refuse to start on a cgroup v1 host (older WSL2, older
# distributions) unless told otherwise; on a cgroup v2 host the setting changes nothing,
# so every kind cluster gets it rather than the program guessing where Docker runs.
KUBELET_ON_CGROUP_V1 = {"kind": "KubeletConfiguration", "failCgroupV1": False}


def kind_config(cluster: KindClusterSpec, heartbeat: Heartbeat) -> str:
    """kind's cluster config: the worker is labelled as the home of the system workloads,
    kubelet runs on cgroup v1 hosts too, and a kubeadm patch gives kube-scheduler its
    client rate limits (with `scheduler`) and kube-controller-manager the node monitor
    settings the fleet's heartbeat needs (when they are not its defaults). A fleet that
    needs neither gets the config it always had: a changed config replaces the cluster."""
    config: dict[str, Any] = {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "kubeadmConfigPatches": [yaml.safe_dump(KUBELET_ON_CGROUP_V1, sort_keys=False)],
        "nodes": [
            {"role": "control-plane"},
            {"role": "worker", "labels": dict([SYSTEM_NODE_LABEL.split("=")])},
        ],
    }
    patch = _cluster_patch(cluster.scheduler, heartbeat)
    if patch is not None:
        config["kubeadmConfigPatches"].append(yaml.safe_dump(patch))
    return yaml.safe_dump(config, sort_keys=False)


def _extra_args(flags: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in flags.items()]


def _cluster_patch(
    scheduler: SchedulerClientSpec | None, heartbeat: Heartbeat
) -> dict[str, Any] | None:
    """kubeadm's ClusterConfiguration (v1beta4, the version kind uses for Kubernetes
    1.31 and later: extra arguments are a list of name/value pairs), or None when
    neither component needs a flag."""
    patch: dict[str, Any] = {
        "apiVersion": "kubeadm.k8s.io/v1beta4",
        "kind": "ClusterConfiguration",
    }
    if scheduler is not None:
        flags = {
            "kube-api-qps": str(scheduler.kube_api_qps),
            "kube-api-burst": str(scheduler.kube_api_burst),
        }
        patch["scheduler"] = {"extraArgs": _extra_args(flags)}
    monitor = heartbeat.controller_manager_flags()
    if monitor:
        patch["controllerManager"] = {"extraArgs": _extra_args(monitor)}
    return patch if len(patch) > 2 else None


# kind logs to stderr, so stdout carries nothing but the kubeconfig.
CREATE = (
    'kind create cluster --name "$KIND_CLUSTER" --image "$KIND_NODE_IMAGE" --config - --wait 5m'
    ' >&2 && kind get kubeconfig --name "$KIND_CLUSTER"'
)
# What an in-place update runs: the cluster stays, its kubeconfig is read again.
UPDATE = 'kind get kubeconfig --name "$KIND_CLUSTER"'
# The inputs that make the cluster what it is; a change of any other (what is logged,
# the delete command) updates the command in place instead of replacing the cluster.
CLUSTER_INPUTS = ["create", "stdin", "environment"]
# kind leaves its Docker network behind; it is removed too unless another cluster
# still uses it (then `docker network rm` refuses, and that is fine).
DELETE = (
    'kind delete cluster --name "$KIND_CLUSTER"'
    " && { docker network rm kind >/dev/null 2>&1 || true; }"
)


# The kubeconfig (client key included) is the create command's stdout. The Command
# provider streams what it logs to the engine's output, whatever outputs are secret, and
# by default hands the last stdout to the next command (delete) as PULUMI_COMMAND_STDOUT:
# so only stderr (kind's progress) is logged, and no previous output is passed on.
LOGGED = "stderr"


class KindCluster(pulumi.ComponentResource):
    """Creates the cluster with `kind` and exports its kubeconfig as a secret, which
    neither the engine's output nor any command's environment gets."""

    kubeconfig: pulumi.Output[str]

    def __init__(
        self, name: str, args: KindClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gpu-fleet:index:KindCluster", name, None, opts)
        command = pulumi_command.local.Command(
            f"{name}-kind",
            create=CREATE,
            update=UPDATE,
            delete=DELETE,
            stdin=kind_config(args.cluster, args.heartbeat),
            logging=pulumi_command.local.Logging(LOGGED),
            add_previous_output_in_env=False,
            environment={
                "KIND_CLUSTER": args.cluster.name,
                "KIND_NODE_IMAGE": args.cluster.node_image,
            },
            opts=child_options(
                self,
                opts,
                pulumi.ResourceOptions(
                    # kind cannot change a cluster in place, and two clusters of one
                    # name cannot exist at once: a change deletes, then creates.
                    replace_on_changes=CLUSTER_INPUTS,
                    delete_before_replace=True,
                    additional_secret_outputs=["stdout"],
                ),
            ),
        )
        self.kubeconfig = pulumi.Output.secret(command.stdout)
        # Not registered as an output: the Python SDK logs registered outputs, secrets in
        # clear, at debug level (docs/fleet.md).
        self.register_outputs({})
