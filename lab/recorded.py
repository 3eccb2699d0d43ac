"""Recorded API responses served by a local API server stand-in, and builders for them.

The bodies are built to the shape a kind cluster running the lesson-1 fleet returns
(Kubernetes v1.36, KWOK v0.7.0, fake-gpu-operator 0.0.59); they were written from
the API's schemas and the scheduler's wording, not captured from a live cluster.
The real `kubernetes` client talks to the stand-in through a generated kubeconfig,
so its request building and deserialisation run as against a cluster; the
stand-in records every request.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import yaml

from fleet.cli import main
from fleet.demo.outcome import DEMO_WORKLOAD_LABEL
from fleet.render.nodes import GPU_RESOURCE, fake_node
from fleet.stack.load import load_stack_file
from fleet.stack.spec import FleetSpec
from lab.paths import LESSON1_FILE, LESSON1_OWNER, STACKS_DIR

LESSON1_STACK = LESSON1_FILE
LARGE_STACK = STACKS_DIR / "Pulumi.large-1k.yaml"

Object = dict[str, Any]

CREATED = "2026-05-04T09:12:03Z"
DEMO_NAMESPACE = "gpu-demo"
OPERATOR_NAMESPACE = "gpu-operator"
CUDA_IMAGE = "nvidia/cuda:12.4.1-base-ubuntu22.04"
OPERATOR_IMAGES = "gcr.io/run-ai-staging/fake-gpu-operator"
CONTROL_PLANE = "ai-factory-lab-control-plane"
WORKER = "ai-factory-lab-worker"
TAINTED = "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
NO_GPU_MESSAGE = (
    f"0/7 nodes are available: {TAINTED}, 6 Insufficient nvidia.com/gpu. preemption: 0/7 nodes "
    "are available: 1 Preemption is not helpful for scheduling, 6 No preemption victims found "
    "for incoming pod."
)
NO_POOL_MESSAGE = (
    f"0/7 nodes are available: {TAINTED}, 6 node(s) didn't match Pod's node affinity/selector. "
    "preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling."
)
# Where lesson 1's 31 running queue pods land: what is left after cuda-batch-small.
QUEUE_PLACEMENT = {
    "kwok-gpu-a100-0": 7,
    "kwok-gpu-a100-1": 8,
    "kwok-gpu-h100-0": 8,
    "kwok-gpu-l40s-0": 4,
    "kwok-gpu-l40s-1": 4,
}


def meta(name: str, namespace: str | None = None, **extra: Any) -> Object:
    uid_seed = f"{namespace}/{name}".encode().hex()[-12:].rjust(12, "0")
    body: Object = {
        "name": name,
        "uid": f"5f0c9a2e-0000-4000-8000-{uid_seed}",
        "resourceVersion": "1042",
        "creationTimestamp": CREATED,
    }
    if namespace is not None:
        body["namespace"] = namespace
    return body | extra


def at(second: int) -> str:
    """A time `second` seconds after the demo started, as the API server writes it."""
    minutes, seconds = divmod(second, 60)
    return f"2026-05-04T09:{20 + minutes:02d}:{seconds:02d}Z"


def ready(since: str = CREATED) -> list[Object]:
    return [
        {
            "type": "Ready",
            "status": "True",
            "reason": "KubeletReady",
            "message": "kubelet is posting ready status",
            "lastHeartbeatTime": since,
            "lastTransitionTime": since,
        }
    ]


def real_node(name: str, labels: dict[str, str], taints: list[Object]) -> Object:
    resources = {
        "cpu": "8",
        "memory": "16283596Ki",
        "pods": "110",
        "ephemeral-storage": "61255492Ki",
    }
    return {
        "metadata": meta(name, labels={"kubernetes.io/hostname": name, **labels}),
        "spec": {"podCIDR": "10.244.0.0/24", "providerID": f"kind://docker/ai-factory-lab/{name}"}
        | ({"taints": taints} if taints else {}),
        "status": {
            "capacity": resources,
            "allocatable": resources,
            "conditions": ready(),
            "nodeInfo": {
                "architecture": "amd64",
                "operatingSystem": "linux",
                "kubeletVersion": "v1.36.1",
                "kubeProxyVersion": "",
                "containerRuntimeVersion": "containerd://2.1.3",
                "kernelVersion": "6.8.0-60-generic",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "machineID": "8c7d4f3e2b1a4c5d9e8f7a6b5c4d3e2f",
                "systemUUID": "8c7d4f3e-2b1a-4c5d-9e8f-7a6b5c4d3e2f",
                "bootID": "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
            },
        },
    }


def gpu_node(spec: FleetSpec, pool: str, index: int, gpus: int | None) -> Object:
    """A fake node as created by the program, after KWOK and the operator went over it."""
    node = fake_node(pool, spec.pools[pool], index, LESSON1_OWNER, spec.kwok_controllers)
    node["metadata"] = meta(node["metadata"]["name"]) | node["metadata"]
    if gpus is not None:
        node["status"]["capacity"][GPU_RESOURCE] = str(gpus)
        node["status"]["allocatable"][GPU_RESOURCE] = str(gpus)
    node["status"]["conditions"] = ready()
    del node["apiVersion"], node["kind"]
    return node


def fleet_nodes(spec: FleetSpec) -> list[Object]:
    """The kind nodes plus every fake node advertising its pool's GPUs."""
    nodes = [
        real_node(
            CONTROL_PLANE,
            {"node-role.kubernetes.io/control-plane": ""},
            [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
        ),
        real_node(WORKER, {"node-purpose": "system"}, []),
    ]
    for name, pool in spec.pools.items():
        nodes += [gpu_node(spec, name, index, pool.gpus_per_node) for index in range(pool.nodes)]
    return nodes


def pod(
    name: str,
    namespace: str,
    *,
    phase: str,
    node: str | None = None,
    image: str = CUDA_IMAGE,
    gpus: int = 0,
    workload: str | None = None,
    owner: Object | None = None,
    selector: dict[str, str] | None = None,
) -> Object:
    labels = {DEMO_WORKLOAD_LABEL: workload} if workload else {}
    container: Object = {"name": "main", "image": image}
    if gpus:
        container["resources"] = {"limits": {GPU_RESOURCE: str(gpus)}}
    spec: Object = {
        "containers": [container],
        "restartPolicy": "Always" if owner else "Never",
        "schedulerName": "default-scheduler",
        "tolerations": [
            {"key": "kwok.x-k8s.io/node", "operator": "Exists", "effect": "NoSchedule"}
        ],
    }
    if selector:
        spec["nodeSelector"] = selector
    status: Object = {"phase": phase, "qosClass": "BestEffort"}
    if node:
        spec["nodeName"] = node
        status |= {"hostIP": "172.18.0.3", "podIP": "10.244.1.17", "startTime": CREATED}
    else:
        status["conditions"] = [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "lastTransitionTime": CREATED,
            }
        ]
    extra: Object = {"labels": labels} if labels else {}
    if owner:
        extra["ownerReferences"] = [owner]
    return {"metadata": meta(name, namespace, **extra), "spec": spec, "status": status}


def scheduler_event(target: Object, reason: str, message: str, second: int) -> Object:
    """An events.k8s.io event of the default scheduler, as the core/v1 list shows it."""
    target_meta = target["metadata"]
    return {
        "metadata": meta(f"{target_meta['name']}.18{second:014x}", target_meta["namespace"]),
        "involvedObject": {
            "kind": "Pod",
            "namespace": target_meta["namespace"],
            "name": target_meta["name"],
            "uid": target_meta["uid"],
            "apiVersion": "v1",
            "resourceVersion": "1042",
        },
        "reason": reason,
        "message": message,
        "source": {},
        "firstTimestamp": None,
        "lastTimestamp": None,
        "eventTime": at(second).replace("Z", ".482913Z"),
        "type": "Warning" if reason == "FailedScheduling" else "Normal",
        "action": "Scheduling" if reason == "FailedScheduling" else "Binding",
        "reportingComponent": "default-scheduler",
        "reportingInstance": f"default-scheduler-{CONTROL_PLANE}",
    }


def kubelet_event(target: Object, reason: str, message: str, second: int) -> Object:
    """A core/v1 event with first/last timestamps (kubelet style), no eventTime."""
    target_meta = target["metadata"]
    return {
        "metadata": meta(f"{target_meta['name']}.17{second:014x}", target_meta["namespace"]),
        "involvedObject": {
            "kind": "Pod",
            "namespace": target_meta["namespace"],
            "name": target_meta["name"],
        },
        "reason": reason,
        "message": message,
        "source": {"component": "kubelet", "host": WORKER},
        "firstTimestamp": at(second),
        "lastTimestamp": at(second),
        "count": 1,
        "type": "Normal",
        "eventTime": None,
        "reportingComponent": "kubelet",
        "reportingInstance": WORKER,
    }


def workload(name: str, namespace: str, images: list[str], **labels: str) -> Object:
    selector = {"app": name}
    template = {
        "metadata": {"labels": selector},
        "spec": {
            "containers": [
                {"name": image.rsplit("/", 1)[-1].split(":")[0], "image": image} for image in images
            ]
        },
    }
    return {
        "metadata": meta(name, namespace, labels={**selector, **labels}),
        "spec": {"selector": {"matchLabels": selector}, "template": template},
        "status": {},
    }


def daemonset(name: str, namespace: str, images: list[str], **labels: str) -> Object:
    scheduled = {"desiredNumberScheduled": 7, "currentNumberScheduled": 7, "numberReady": 7}
    return workload(name, namespace, images, **labels) | {
        "status": {**scheduled, "numberMisscheduled": 0, "numberAvailable": 7}
    }


def version_body() -> Object:
    return {
        "major": "1",
        "minor": "36",
        "emulationMajor": "1",
        "emulationMinor": "36",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "35",
        "gitVersion": "v1.36.1",
        "gitCommit": "9f3c6e1d2b4a5c7e8f9a0b1c2d3e4f5a6b7c8d9e",
        "gitTreeState": "clean",
        "buildDate": "2026-04-16T10:30:12Z",
        "goVersion": "go1.26.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def as_list(kind: str, items: list[Object], api_version: str = "v1") -> Object:
    return {
        "kind": kind,
        "apiVersion": api_version,
        "metadata": {"resourceVersion": "2210"},
        "items": items,
    }


@dataclass
class Cluster:
    """The objects of one recorded cluster, by kind; `responses()` gives the API bodies."""

    nodes: list[Object] = field(default_factory=list)
    pods: list[Object] = field(default_factory=list)
    events: list[Object] = field(default_factory=list)
    deployments: list[Object] = field(default_factory=list)
    daemonsets: list[Object] = field(default_factory=list)
    resource_slices: list[Object] = field(default_factory=list)
    resource_claims: list[Object] = field(default_factory=list)

    def responses(self) -> dict[str, Object]:
        dra = "resource.k8s.io/v1"
        return {
            "/version": version_body(),
            "/api/v1/nodes": as_list("NodeList", self.nodes),
            "/api/v1/pods": as_list("PodList", self.pods),
            "/api/v1/events": as_list("EventList", self.events),
            "/apis/apps/v1/deployments": as_list("DeploymentList", self.deployments, "apps/v1"),
            "/apis/apps/v1/daemonsets": as_list("DaemonSetList", self.daemonsets, "apps/v1"),
            f"/apis/{dra}/resourceslices": as_list("ResourceSliceList", self.resource_slices, dra),
            f"/apis/{dra}/resourceclaims": as_list("ResourceClaimList", self.resource_claims, dra),
        }

    def pod(self, name: str) -> Object:
        return next(p for p in self.pods if p["metadata"]["name"] == name)


def system_workloads(cluster: Cluster, spec: FleetSpec) -> None:
    """kind's and KWOK's and the operator's workloads, with their pods."""
    chart = {"helm.sh/chart": f"fake-gpu-operator-{spec.operator.version}"}
    operator = f"{OPERATOR_IMAGES}/{{}}:{spec.operator.version}"
    cluster.deployments += [
        workload("coredns", "kube-system", ["registry.k8s.io/coredns/coredns:v1.12.1"]),
        workload(
            "kwok-controller",
            "kube-system",
            [f"registry.k8s.io/kwok/kwok:{spec.kwok.version}"],
        ),
        workload(
            "status-updater",
            OPERATOR_NAMESPACE,
            [operator.format("status-updater")],
            **chart,
        ),
        workload(
            "kwok-gpu-device-plugin",
            OPERATOR_NAMESPACE,
            [operator.format("kwok-gpu-device-plugin")],
            **chart,
        ),
        workload(
            "topology-server",
            OPERATOR_NAMESPACE,
            [operator.format("topology-server")],
            **chart,
        ),
    ]
    cluster.daemonsets += [
        daemonset("kube-proxy", "kube-system", ["registry.k8s.io/kube-proxy:v1.36.1"]),
        daemonset("kindnet", "kube-system", ["docker.io/kindest/kindnetd:v20250512-df8de77b"]),
        daemonset(
            "device-plugin",
            OPERATOR_NAMESPACE,
            [operator.format("device-plugin")],
            **chart,
        ),
    ]
    for component in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        cluster.pods.append(
            pod(
                f"{component}-{CONTROL_PLANE}",
                "kube-system",
                phase="Running",
                node=CONTROL_PLANE,
                image=f"registry.k8s.io/{component}:v1.36.1",
            )
        )
    for name in (
        "coredns-7c65d6cfc9-4xk2p",
        "coredns-7c65d6cfc9-9sd7m",
        "kwok-controller-6d9f8b7c5-r2t8v",
        "status-updater-5b8c7d9f6-kq4zn",
        "kwok-gpu-device-plugin-7f6d5c4b3-p9w2x",
        "topology-server-6c5b4a3f2-m8n7b",
    ):
        cluster.pods.append(
            pod(
                name,
                "kube-system"
                if name.startswith(("coredns", "kwok-controller"))
                else OPERATOR_NAMESPACE,
                phase="Running",
                node=WORKER,
            )
        )
    for index, node in enumerate(cluster.nodes):
        name = node["metadata"]["name"]
        cluster.pods.append(
            pod(f"kube-proxy-{index:05x}", "kube-system", phase="Running", node=name)
        )
        cluster.pods.append(pod(f"kindnet-{index:05x}", "kube-system", phase="Running", node=name))
    if spec.operator.has_shared_exporter:
        return
    for node in cluster.nodes:
        name = node["metadata"]["name"]
        if name.startswith("kwok-gpu-"):
            exporter = f"status-exporter-{name}"
            cluster.deployments.append(
                workload(exporter, OPERATOR_NAMESPACE, [operator.format("status-exporter")])
            )
            cluster.pods.append(
                pod(f"{exporter}-5d4c3b2a1-x7q9w", OPERATOR_NAMESPACE, phase="Running", node=WORKER)
            )


def lesson1_cluster() -> Cluster:
    """Lesson 1 after the demo: 32 Running and 11 Pending demo pods, as docs/demo.md has it."""
    spec = load_stack_file(LESSON1_STACK)
    cluster = Cluster(nodes=fleet_nodes(spec))
    system_workloads(cluster, spec)
    small = pod(
        "cuda-batch-small",
        DEMO_NAMESPACE,
        phase="Running",
        node="kwok-gpu-a100-0",
        gpus=1,
        workload="cuda-batch-small",
        selector={"gpu-pool": "a100"},
    )
    train = pod(
        "cuda-train-16gpu", DEMO_NAMESPACE, phase="Pending", gpus=16, workload="cuda-train-16gpu"
    )
    b200 = pod(
        "cuda-needs-b200",
        DEMO_NAMESPACE,
        phase="Pending",
        gpus=1,
        workload="cuda-needs-b200",
        selector={"gpu-pool": "b200"},
    )
    cluster.pods += [small, train, b200]
    cluster.events += [
        scheduler_event(
            small,
            "Scheduled",
            f"Successfully assigned {DEMO_NAMESPACE}/cuda-batch-small to kwok-gpu-a100-0",
            1,
        ),
        scheduler_event(train, "FailedScheduling", NO_GPU_MESSAGE, 2),
        scheduler_event(b200, "FailedScheduling", NO_POOL_MESSAGE, 3),
    ]
    cluster.deployments.append(workload("queue-pressure", DEMO_NAMESPACE, [CUDA_IMAGE]))
    owner = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "queue-pressure-6b7f9c8d5",
        "uid": "7a1e3c52-0000-4000-8000-0000000000a1",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    placements = [node for node, count in QUEUE_PLACEMENT.items() for _ in range(count)]
    for index in range(40):
        node = placements[index] if index < len(placements) else None
        queued = pod(
            f"queue-pressure-6b7f9c8d5-{index:05x}",
            DEMO_NAMESPACE,
            phase="Running" if node else "Pending",
            node=node,
            gpus=1,
            workload="queue-pressure",
            owner=owner,
        )
        cluster.pods.append(queued)
        if node:
            cluster.events.append(
                scheduler_event(
                    queued,
                    "Scheduled",
                    f"Successfully assigned {DEMO_NAMESPACE}/{queued['metadata']['name']} "
                    f"to {node}",
                    10 + index,
                )
            )
        else:
            cluster.events.append(
                scheduler_event(queued, "FailedScheduling", NO_GPU_MESSAGE, 60 + index)
            )
    cluster.events.append(
        kubelet_event(
            cluster.pod("coredns-7c65d6cfc9-4xk2p"), "Started", "Started container coredns", 0
        )
    )
    return cluster


def large_cluster() -> Cluster:
    """The 1,000-node stack with its system pods, no demo."""
    spec = load_stack_file(LARGE_STACK)
    cluster = Cluster(nodes=fleet_nodes(spec))
    system_workloads(cluster, spec)
    return cluster


def page_of(body: Object, query: dict[str, list[str]]) -> Object:
    """The page a `limit` (and `continue`) asks for, as the API server pages a list: at
    most `limit` items, and a continue token while more remain (here the next offset;
    the real token is opaque too)."""
    if "limit" not in query:
        return body
    limit = int(query["limit"][0])
    start = int(query.get("continue", ["0"])[0])
    items = body["items"][start : start + limit]
    metadata = dict(body.get("metadata") or {})
    if start + limit < len(body["items"]):
        metadata["continue"] = str(start + limit)
    return {**body, "metadata": metadata, "items": items}


class ApiServer:
    """A stand-in API server on 127.0.0.1 that serves recorded bodies and records requests."""

    def __init__(self) -> None:
        self.responses: dict[str, Object] = {}
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                server.requests.append((self.command, self.path))
                path, _, query = self.path.partition("?")
                body = server.responses.get(path.rstrip("/")) if self.command == "GET" else None
                if body is not None and "items" in body:
                    body = page_of(body, parse_qs(query))
                status = 200 if body is not None else (404 if self.command == "GET" else 405)
                if body is None:
                    body = {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "status": "Failure",
                        "code": status,
                    }
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test output is for assertions."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def serve(self, cluster: Cluster) -> None:
        self.responses = cluster.responses()
        self.requests.clear()


def write_kubeconfig(path: Path, server: str) -> Path:
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "recorded", "cluster": {"server": server}}],
        "users": [{"name": "reader", "user": {"token": "recorded-token"}}],
        "contexts": [
            {"name": "kind-ai-factory-lab", "context": {"cluster": "recorded", "user": "reader"}}
        ],
        "current-context": "kind-ai-factory-lab",
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def evidence_of(cluster: Cluster, server: ApiServer, kubeconfig: Path, out: Path) -> Path:
    """`fleet evidence` of `cluster` served by `server`, into `out`."""
    server.serve(cluster)
    args = ["--stack", str(LESSON1_STACK), "--kubeconfig", str(kubeconfig), "--out", str(out)]
    assert main(["evidence", *args]) == 0
    return out
