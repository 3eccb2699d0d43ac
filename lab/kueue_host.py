"""Kueue's manager as a host process on the e2e control plane, its webhooks reachable.

The chart's Deployment cannot start a pod here (no container runtime), so the tier runs
the same manager, built from Kueue's module at the release tag, on the host, with the
configuration the release's ConfigMap holds: its ports moved to free ones on the host's
address and leader election off (one replica).

The API server must reach Kueue's webhooks (every Kueue object and the pods of its
queues pass through them, failure policy Fail). As in a cluster it does so through the
webhook Service: the control plane's API server runs with
`--enable-aggregator-routing`, so it sends a Service's traffic to the Service's
endpoints rather than to its cluster IP (which nothing routes here), and the harness
adds to the Service an EndpointSlice naming the host's address and the port the
manager listens on: the pod IP and port a cluster's endpoint controller would write.
Endpoints may not be loopback addresses, so the host's own interface address is used;
the traffic never leaves the machine. TLS is Kueue's own: its certificate manager
writes a serving certificate for `<service>.<namespace>.svc` into the release's Secret
and its CA into the webhook configurations, and the API server checks that name. In a
pod that Secret is mounted as a volume, where the manager waits for the files before
it serves; the harness plays the kubelet's part and keeps the Secret's keys written
to the manager's certificate folder (`secret_volume`).

Three settings of the manager's configuration are the lab's (`KueueTuning`), the same in
the e2e tier and `make bench-schedulers`: `waitForPodsReady`, so that a workload whose
pods do not all become Ready within `PODS_READY_TIMEOUT_S` of its admission (admitted by
quota, but no node can take a pod) is evicted, its quota released, and requeued after a
short backoff; the concurrency of Kueue's Job, Pod and Workload reconcilers, set to the
control plane's Job controller's (`--concurrent-job-syncs`) where a bench raises it; and
fair sharing, as KAI shares over-quota GPUs between its queues by default. The chart
takes the configuration as one YAML string, which the program leaves as the chart has
it (docs/schedulers.md says how to set these on a cluster).

Kueue's visibility server (the on-demand API of pending workloads, an aggregated
APIService) is off on the host (feature gate `VisibilityOnDemand=false`): it writes its
self-signed certificate to a fixed path, `/visibility`, which in a pod is the
container's own file system and here would be the host's. The release's APIService
for it stays unavailable in the tier; nothing the program or the demo does uses it.
"""

import base64
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes.client.exceptions import ApiException

from fleet.render.nodes import POOL_LABEL
from lab import kube
from lab.host_processes import Supervised

RELEASE = "kueue"
CONFIG_MAP = f"{RELEASE}-manager-config"
CONFIG_KEY = "controller_manager_config.yaml"
WEBHOOK_SERVICE = f"{RELEASE}-webhook-service"
WEBHOOK_SECRET = f"{RELEASE}-webhook-server-cert"
VOLUME_SYNC_SECONDS = 1.0
SLICE_MANAGER = "gpu-fleet-e2e"
WEBHOOK_TIMEOUT = 120.0
SERVING_PROBES = 3
PODS_READY_TIMEOUT_S = 60
REQUEUE_BACKOFF_S = (10, 60)
# The reconcilers whose concurrency follows the Job controller's (the chart sets 5 each).
JOB_RECONCILERS = ("Job.batch", "Pod", "Workload.kueue.x-k8s.io")
FAIR_SHARING_STRATEGIES = ("LessThanOrEqualToFinalShare", "LessThanInitialShare")


@dataclass(frozen=True)
class KueueTuning:
    """What the lab sets in the manager's configuration beside ports and leader election."""

    job_concurrency: int | None = None
    """Concurrent reconciles of Jobs, pods and workloads (None: the chart's)."""
    fair_sharing: bool = True
    pods_ready_timeout_s: int = PODS_READY_TIMEOUT_S


# The e2e tier's: fair sharing and waitForPodsReady, the chart's reconcile concurrency.
LAB_TUNING = KueueTuning()


def tuned(config: dict[str, Any], tuning: KueueTuning) -> dict[str, Any]:
    """`config` with `tuning`'s waitForPodsReady, reconcile concurrency and fair sharing."""
    tuned_config = dict(config)
    base, most = REQUEUE_BACKOFF_S
    tuned_config["waitForPodsReady"] = {
        "timeout": f"{tuning.pods_ready_timeout_s}s",
        "blockAdmission": False,
        "requeuingStrategy": {
            "timestamp": "Eviction",
            "backoffBaseSeconds": base,
            "backoffMaxSeconds": most,
        },
    }
    if tuning.job_concurrency is not None:
        controller = dict(tuned_config.get("controller") or {})
        concurrency = dict(controller.get("groupKindConcurrency") or {})
        concurrency.update(dict.fromkeys(JOB_RECONCILERS, tuning.job_concurrency))
        controller["groupKindConcurrency"] = concurrency
        tuned_config["controller"] = controller
    if tuning.fair_sharing:
        tuned_config["fairSharing"] = {"preemptionStrategies": list(FAIR_SHARING_STRATEGIES)}
    return tuned_config


def host_address() -> str:
    """The host's address on its default route (a UDP socket's source; nothing is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("198.51.100.1", 9))  # TEST-NET-2: routed by default, never sent to
        address: str = probe.getsockname()[0]
    if address.startswith("127."):
        raise RuntimeError("the host has no non-loopback IPv4 address for webhook endpoints")
    return address


def free_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass(frozen=True)
class KueueHost:
    """Where the host's manager listens, and its configuration file."""

    address: str
    webhook_port: int
    config: Path
    cert_dir: Path


def write_config(
    api: Any,
    namespace: str,
    workdir: Path,
    client_limits: tuple[int, int] | None = None,
    tuning: KueueTuning = LAB_TUNING,
) -> KueueHost:
    """The release's manager configuration, for a manager on this host, `tuning` applied;
    `client_limits` (requests per second, burst) replace its client rate limits (50/100 in
    the chart)."""
    config_map = kube.raw(kube.core(api).read_namespaced_config_map, CONFIG_MAP, namespace)
    config = tuned(yaml.safe_load(config_map["data"][CONFIG_KEY]), tuning)
    address = host_address()
    host = KueueHost(
        address,
        free_port(address),
        workdir / "kueue.yaml",
        workdir / "kueue-certs",
    )
    config["health"] = {"healthProbeBindAddress": f"127.0.0.1:{free_port('127.0.0.1')}"}
    config["metrics"] = {"bindAddress": "0"}
    config["webhook"] = {
        "host": address,
        "port": host.webhook_port,
        "certDir": str(host.cert_dir),
    }
    config["leaderElection"] = {"leaderElect": False}
    if client_limits is not None:
        config["clientConnection"] = {"qps": client_limits[0], "burst": client_limits[1]}
    host.config.write_text(yaml.safe_dump(config, sort_keys=False))
    return host


def endpoint_slice(service: dict[str, Any], address: str, port: int) -> dict[str, Any]:
    name = service["metadata"]["name"]
    (service_port,) = service["spec"]["ports"]
    # The API server matches the slice's port to the Service's by name, "" included.
    slice_port = {"name": service_port.get("name", ""), "port": port, "protocol": "TCP"}
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": f"{name}-host",
            "labels": {
                "kubernetes.io/service-name": name,
                "endpointslice.kubernetes.io/managed-by": SLICE_MANAGER,
            },
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        "ports": [slice_port],
    }


def point_webhook_service_at_host(api: Any, namespace: str, host: KueueHost) -> None:
    """An EndpointSlice for the webhook Service, naming the host's address and port."""
    service = kube.raw(kube.core(api).read_namespaced_service, WEBHOOK_SERVICE, namespace)
    kube.discovery(api).create_namespaced_endpoint_slice(
        namespace, endpoint_slice(service, host.address, host.webhook_port)
    )


def _sync_secret(api: Any, namespace: str, folder: Path) -> None:
    try:
        secret = kube.raw(kube.core(api).read_namespaced_secret, WEBHOOK_SECRET, namespace)
    except ApiException:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for key, value in (secret.get("data") or {}).items():
        content = base64.b64decode(value)
        path = folder / key
        if not path.exists() or path.read_bytes() != content:
            partial = folder / f".{key}.partial"
            partial.write_bytes(content)
            partial.replace(path)


@contextmanager
def secret_volume(api: Any, namespace: str, host: KueueHost) -> Iterator[None]:
    """Keep the webhook Secret's keys written to the manager's certificate folder, as
    the kubelet keeps a pod's secret volume, until the block ends."""
    stop = threading.Event()

    def keep() -> None:
        while not stop.is_set():
            _sync_secret(api, namespace, host.cert_dir)
            stop.wait(VOLUME_SYNC_SECONDS)

    thread = threading.Thread(target=keep, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def manager_command(binaries: dict[str, Path], kubeconfig: Path, host: KueueHost) -> Supervised:
    argv = [
        "kueue",
        f"--config={host.config}",
        f"--kubeconfig={kubeconfig}",
        "--feature-gates=VisibilityOnDemand=false",
        "--zap-log-level=2",
    ]
    log = host.config.with_name("kueue.log")
    return Supervised("kueue", argv, binaries["kueue"], {}, log)


def _admits_a_flavor(api: Any) -> bool:
    """A dry-run ResourceFlavor create: it passes Kueue's webhooks only once they serve."""
    probe = {
        "apiVersion": "kueue.x-k8s.io/v1beta2",
        "kind": "ResourceFlavor",
        "metadata": {"name": "webhook-probe"},
        "spec": {"nodeLabels": {POOL_LABEL: "probe"}},
    }
    try:
        kube.custom(api).create_cluster_custom_object(
            "kueue.x-k8s.io", "v1beta2", "resourceflavors", probe, dry_run="All"
        )
    except ApiException:
        return False
    return True


def wait_for_webhooks(api: Any) -> None:
    """Until Kueue's webhooks admit a ResourceFlavor on `SERVING_PROBES` probes in a row: the
    manager serves them first from its certificate bootstrap, then from its main manager."""
    passed = 0

    def serving() -> bool:
        nonlocal passed
        passed = passed + 1 if _admits_a_flavor(api) else 0
        return passed >= SERVING_PROBES

    served = kube.wait_until(serving, timeout=WEBHOOK_TIMEOUT, interval=1)
    assert served, f"Kueue's webhooks did not admit a ResourceFlavor within {WEBHOOK_TIMEOUT:.0f}s"
