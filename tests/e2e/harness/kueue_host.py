"""Kueue's manager as a host process on the e2e control plane, its webhooks reachable.

The chart's Deployment cannot start a pod here (no container runtime), so the tier runs
the same manager, built from Kueue's module at the release tag, on the host, with the
configuration the release's ConfigMap holds: its ports moved to free ones on the host's
address and leader election off (one replica).

The API server must reach Kueue's webhooks (every Kueue object and the pods of its
queues pass through them, failure policy Fail) and its visibility API. As in a cluster
it does so through their Services: the control plane's API server runs with
`--enable-aggregator-routing`, so it sends a Service's traffic to the Service's
endpoints rather than to its cluster IP (which nothing routes here), and the harness
adds to each Service an EndpointSlice naming the host's address and the port the
manager listens on: the pod IP and port a cluster's endpoint controller would write.
Endpoints may not be loopback addresses, so the host's own interface address is used;
the traffic never leaves the machine. TLS is Kueue's own: its certificate manager
writes a serving certificate for `<service>.<namespace>.svc` into the release's Secret
and its CA into the webhook configurations, and the API server checks that name.
"""

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes.client.exceptions import ApiException

from fleet.render.nodes import POOL_LABEL
from tests.e2e.harness import kube
from tests.e2e.harness.host_processes import Supervised

RELEASE = "kueue"
CONFIG_MAP = f"{RELEASE}-manager-config"
CONFIG_KEY = "controller_manager_config.yaml"
WEBHOOK_SERVICE = f"{RELEASE}-webhook-service"
VISIBILITY_SERVICE = f"{RELEASE}-visibility-server"
SLICE_MANAGER = "gpu-fleet-e2e"
WEBHOOK_TIMEOUT = 120.0


def host_address() -> str:
    """The host's address on its default route (a UDP socket's source; nothing is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.255", 9))
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
    visibility_port: int
    config: Path


def write_config(api: Any, namespace: str, workdir: Path) -> KueueHost:
    """The release's manager configuration, for a manager on this host."""
    config_map = kube.raw(kube.core(api).read_namespaced_config_map, CONFIG_MAP, namespace)
    config: dict[str, Any] = yaml.safe_load(config_map["data"][CONFIG_KEY])
    address = host_address()
    host = KueueHost(address, free_port(address), free_port(address), workdir / "kueue.yaml")
    config["health"] = {"healthProbeBindAddress": f"127.0.0.1:{free_port('127.0.0.1')}"}
    config["metrics"] = {"bindAddress": "0"}
    config["webhook"] = {
        "host": address,
        "port": host.webhook_port,
        "certDir": str(workdir / "kueue-certs"),
    }
    config["visibilityServer"] = {"bindAddress": address, "bindPort": host.visibility_port}
    config["leaderElection"] = {"leaderElect": False}
    host.config.write_text(yaml.safe_dump(config, sort_keys=False))
    return host


def _endpoint_slice(service: dict[str, Any], address: str, port: int) -> dict[str, Any]:
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


def point_services_at_host(api: Any, namespace: str, host: KueueHost) -> None:
    """An EndpointSlice per Service of the manager, naming the host's address and port."""
    discovery = kube.discovery(api)
    core = kube.core(api)
    for service_name, port in (
        (WEBHOOK_SERVICE, host.webhook_port),
        (VISIBILITY_SERVICE, host.visibility_port),
    ):
        service = kube.raw(core.read_namespaced_service, service_name, namespace)
        discovery.create_namespaced_endpoint_slice(
            namespace, _endpoint_slice(service, host.address, port)
        )


def manager_command(binaries: dict[str, Path], kubeconfig: Path, host: KueueHost) -> Supervised:
    argv = ["kueue", f"--config={host.config}", "--zap-log-level=2"]
    log = host.config.with_name("kueue.log")
    return Supervised("kueue", argv, binaries["kueue"], {"KUBECONFIG": str(kubeconfig)}, log)


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
    served = kube.wait_until(lambda: _admits_a_flavor(api), timeout=WEBHOOK_TIMEOUT, interval=1)
    assert served, f"Kueue's webhooks did not admit a ResourceFlavor within {WEBHOOK_TIMEOUT:.0f}s"
