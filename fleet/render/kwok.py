"""KWOK's controllers and the program's own Stage (docs/fleet.md, "KWOK"; docs/replay.md).

Controllers: KWOK's release manifest (`kwok.yaml`) brings the CRDs, RBAC, the `kwok`
ConfigMap (the controller's configuration: fake nodes by annotation, Stage objects from
the API) and one controller Deployment that manages every fake node. A fleet with more
nodes than one controller keeps up with gets several controllers instead, each narrowed
by flags to one shard's nodes (`fleet.render.shards`) with the lease-based heartbeat:
the release's Deployment becomes shard 0 (`release_object`) and shards 1 to N-1 are
Deployments of their own, all built by `controller_deployment`. Every shard reads the
release's ConfigMap; only their flags differ. The Lease duration in those flags and the
period of the release's node status Stage are the fleet's heartbeat (`fleet.heartbeat`).

The job-complete Stage: KWOK's release `stage-fast.yaml` completes every Running pod of
a Job at once. A replay needs each pod to run for its duration: this stage matches only
the Job pods that carry `DELAY_ANNOTATION` (a Go duration such as `90s`, counted from
when the pod is Running and Ready) and weighs 1, so that KWOK prefers it over the
release's `pod-complete` (weight 0) for those pods; other Job pods still complete at
once. KWOK v0.7.0's own `pod/general/pod-complete.yaml` reads the same annotation, with
a jitter of up to 5 s that a replay must not have.
"""

from typing import Any

import yaml

from fleet.heartbeat.sizing import NODE_STATUS_PERIOD_S, Heartbeat
from fleet.render.demo import SKIP_AWAIT
from fleet.render.nodes import KWOK_NODE_ANNOTATION
from fleet.render.shards import SHARD_LABEL, shard_selector
from fleet.stack.spec import PROJECT, FleetSpec
from fleet.stack.versions import KWOK_IMAGE, KWOK_NODE_LEASE_PARALLELISM

NAMESPACE = "kube-system"
RELEASE_DEPLOYMENT = "kwok-controller"
RELEASE_CONFIG_MAP = "kwok"
# The release's Stage (stage-fast.yaml) that rewrites a leased node's status now and then.
NODE_STATUS_STAGE = "node-heartbeat-with-lease"
SERVICE_ACCOUNT = "kwok-controller"
APP_LABEL = {"app": "kwok-controller"}
CONFIG_PATH = "/root/.kwok/kwok.yaml"
CONFIG_KEY = "kwok.yaml"
# On the controllers' pod template when the configuration differs from the release's:
# a controller reads its file once, so a new value must restart it.
LEASE_PARALLELISM_ANNOTATION = "gpu-fleet.dev/kwok-node-lease-parallelism"
# The port the release's configuration serves /healthz (and the fake kubelet) on.
HEALTH_PORT = 10247


def controller_name(shard: int) -> str:
    return f"{RELEASE_DEPLOYMENT}-{shard}"


def controller_args(spec: FleetSpec, shard: int) -> list[str]:
    """The flags of one shard's controller, after the configuration file's path.

    Flags win over the shared configuration: only this shard's nodes (fake ones,
    with its shard label), with a lease per node of the duration sized to the fleet
    (`fleet.heartbeat`), which selects KWOK's `node-heartbeat-with-lease` stage and
    renews every quarter of the duration.
    """
    return [
        "--manage-all-nodes=false",
        f"--manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}=fake",
        f"--manage-nodes-with-label-selector={shard_selector(shard)}",
        f"--node-lease-duration-seconds={spec.heartbeats.lease_duration_s}",
        *([] if spec.kwok.log_level == "INFO" else [f"--v={spec.kwok.log_level}"]),
    ]


def controller_deployment(spec: FleetSpec, shard: int) -> dict[str, Any]:
    """The Deployment of shard `shard`'s controller, in the release's namespace and
    with its ServiceAccount and ConfigMap."""
    labels = {**APP_LABEL, SHARD_LABEL: str(shard), "app.kubernetes.io/part-of": PROJECT}
    selector = {**APP_LABEL, SHARD_LABEL: str(shard)}
    pod_metadata: dict[str, Any] = {"labels": labels}
    if spec.kwok.node_lease_parallelism != KWOK_NODE_LEASE_PARALLELISM:
        pod_metadata["annotations"] = {
            LEASE_PARALLELISM_ANNOTATION: str(spec.kwok.node_lease_parallelism)
        }
    probe = {"httpGet": {"path": "/healthz", "port": HEALTH_PORT}, "periodSeconds": 10}
    container = {
        "name": "kwok-controller",
        "image": f"{KWOK_IMAGE}:{spec.kwok.version}",
        "args": [f"--config={CONFIG_PATH}", "--node-ip=$(POD_IP)", *controller_args(spec, shard)],
        "env": [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
        "readinessProbe": probe,
        "volumeMounts": [
            {
                "name": "kwok-config",
                "mountPath": CONFIG_PATH,
                "subPath": "kwok.yaml",
                "readOnly": True,
            }
        ],
    }
    metadata: dict[str, Any] = {
        "name": controller_name(shard),
        "namespace": NAMESPACE,
        "labels": labels,
    }
    if not spec.kwok.wait:
        metadata["annotations"] = {SKIP_AWAIT: "true"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": pod_metadata,
                "spec": {
                    "serviceAccountName": SERVICE_ACCOUNT,
                    "containers": [container],
                    "volumes": [{"name": "kwok-config", "configMap": {"name": RELEASE_CONFIG_MAP}}],
                },
            },
        },
    }


def controller_deployments(spec: FleetSpec) -> list[dict[str, Any]]:
    """Every shard's controller, shard 0 first."""
    return [controller_deployment(spec, shard) for shard in range(spec.kwok_controllers)]


def _is_release(manifest: dict[str, Any], kind: str, name: str) -> bool:
    metadata = manifest.get("metadata") or {}
    return (
        manifest.get("kind") == kind
        and metadata.get("name") == name
        and metadata.get("namespace", NAMESPACE) == NAMESPACE
    )


def is_release_controller(manifest: dict[str, Any]) -> bool:
    """Whether a release object is its single controller Deployment."""
    return _is_release(manifest, "Deployment", RELEASE_DEPLOYMENT)


def is_release_configuration(manifest: dict[str, Any]) -> bool:
    """Whether a release object is the ConfigMap holding the controllers' configuration."""
    return _is_release(manifest, "ConfigMap", RELEASE_CONFIG_MAP) and CONFIG_KEY in (
        manifest.get("data") or {}
    )


def with_lease_parallelism(text: str, parallelism: int) -> str:
    """KWOK's configuration file with `nodeLeaseParallelism` set in its KwokConfiguration."""
    documents = list(yaml.safe_load_all(text))
    for document in documents:
        if isinstance(document, dict) and document.get("kind") == "KwokConfiguration":
            document.setdefault("options", {})["nodeLeaseParallelism"] = parallelism
    return yaml.safe_dump_all(documents, sort_keys=False)


def is_node_status_heartbeat(manifest: dict[str, Any]) -> bool:
    """Whether a release object is the Stage that rewrites a leased node's status."""
    metadata = manifest.get("metadata") or {}
    return manifest.get("kind") == "Stage" and metadata.get("name") == NODE_STATUS_STAGE


def with_node_status_period(manifest: dict[str, Any], heartbeat: Heartbeat) -> dict[str, Any]:
    """The release's node status Stage with its delay (and jitter bound) sized to the fleet."""
    delay = {
        **manifest["spec"]["delay"],
        "durationMilliseconds": heartbeat.node_status_period_s * 1000,
        "jitterDurationMilliseconds": heartbeat.node_status_jitter_s * 1000,
    }
    return {**manifest, "spec": {**manifest["spec"], "delay": delay}}


def release_object(spec: FleetSpec, manifest: dict[str, Any]) -> dict[str, Any] | None:
    """What the stack sends instead of a release object: shard 0's controller for the
    release's controller Deployment; the configuration with the stack's lease
    parallelism when it is not the release's; the node status Stage with the fleet's
    status period when it is not the release's; None (unchanged) for everything else."""
    if is_release_controller(manifest):
        return controller_deployment(spec, 0)
    heartbeat = spec.heartbeats
    if is_node_status_heartbeat(manifest) and heartbeat.node_status_period_s != (
        NODE_STATUS_PERIOD_S
    ):
        return with_node_status_period(manifest, heartbeat)
    parallelism = spec.kwok.node_lease_parallelism
    if is_release_configuration(manifest) and parallelism != KWOK_NODE_LEASE_PARALLELISM:
        text = with_lease_parallelism(manifest["data"][CONFIG_KEY], parallelism)
        return {**manifest, "data": {**manifest["data"], CONFIG_KEY: text}}
    return None


JOB_COMPLETE_STAGE = "gpu-fleet-job-complete"
DELAY_ANNOTATION = "pod-complete.stage.kwok.x-k8s.io/delay"
STAGE_API_VERSION = "kwok.x-k8s.io/v1alpha1"

_SUCCEEDED = """\
{{ $now := Now }}
containerStatuses:
{{ range .spec.containers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  ready: false
  started: false
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      finishedAt: {{ $now | Quote }}
{{ end }}
phase: Succeeded
"""


def job_complete_stage() -> dict[str, Any]:
    return {
        "apiVersion": STAGE_API_VERSION,
        "kind": "Stage",
        "metadata": {"name": JOB_COMPLETE_STAGE},
        "spec": {
            "resourceRef": {"apiGroup": "v1", "kind": "Pod"},
            "selector": {
                "matchExpressions": [
                    {"key": ".metadata.deletionTimestamp", "operator": "DoesNotExist"},
                    {"key": ".status.phase", "operator": "In", "values": ["Running"]},
                    {
                        "key": '.status.conditions.[] | select( .type == "Ready" ) | .status',
                        "operator": "In",
                        "values": ["True"],
                    },
                    {
                        "key": ".metadata.ownerReferences.[].kind",
                        "operator": "In",
                        "values": ["Job"],
                    },
                    {
                        "key": f'.metadata.annotations["{DELAY_ANNOTATION}"]',
                        "operator": "Exists",
                    },
                ]
            },
            "weight": 1,
            "delay": {
                "durationMilliseconds": 0,
                "durationFrom": {"expressionFrom": f'.metadata.annotations["{DELAY_ANNOTATION}"]'},
            },
            "next": {"statusTemplate": _SUCCEEDED},
        },
    }
