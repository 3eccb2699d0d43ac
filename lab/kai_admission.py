"""KAI-Scheduler's admission webhooks served from the host, registered as its operator
registers them.

KAI's operator deploys the admission controller (it mutates and validates the pods that
name KAI's scheduler), makes a self-signed serving certificate for its Service
(`admission.<namespace>.svc`) and registers a mutating and a validating webhook
configuration (failure policy Fail) whose CA bundle is that certificate. The lab takes
all of it from what the operator renders (`kai_host.Rendered`) and does the rest of a
cluster's part, as for Kueue's webhooks (`lab/kueue_host.py`):

- the admission command runs on the host with its rendered arguments, its webhook on a
  free port of the host's address, its probe and metrics on free loopback ports, and
  the certificate written where its webhook server reads it in a pod
  (`$TMPDIR/k8s-webhook-server/serving-certs`, `TMPDIR` a folder of the lab's);
- the rendered Service is created with an EndpointSlice naming the host's address and
  that port (the API server, with `--enable-aggregator-routing`, sends a Service's
  traffic to its endpoints);
- the rendered webhook configurations are created, owned by KAI's `Config` as the
  operator's objects are, so that deleting the release takes them along;
- then the lab waits until a dry-run pod of KAI's scheduler passes them.
"""

import base64
from pathlib import Path
from typing import Any

from kubernetes.client.exceptions import ApiException

from lab import kube
from lab.host_processes import Supervised
from lab.kai_host import LOOPBACK, Rendered, host_arguments
from lab.kueue_host import endpoint_slice, free_port, host_address

DEPLOYMENT = "admission"
CERT_FOLDER = ("k8s-webhook-server", "serving-certs")
WEBHOOK_KINDS = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
SERVING_TIMEOUT = 120.0
SERVING_PROBES = 3
PROBE_NAMESPACE = "default"
WEBHOOK_PORT_NAME = "webhook"
# What the API server says when it could not call a webhook.
UNANSWERED = "failed calling webhook"


class AdmissionError(RuntimeError):
    """KAI's rendered admission is not what the lab can serve; says what."""


def _admission_service(rendered: Rendered) -> dict[str, Any]:
    for service in rendered.of_kind("Service"):
        if service["metadata"]["name"] == DEPLOYMENT:
            return service
    raise AdmissionError("KAI's operator renders no admission Service")


def _webhooks(rendered: Rendered) -> list[dict[str, Any]]:
    """The rendered webhook configurations that call the admission Service, as manifests."""
    return [
        {**obj, "apiVersion": "admissionregistration.k8s.io/v1", "kind": kind}
        for kind in WEBHOOK_KINDS
        for obj in rendered.of_kind(kind)
        if any(
            (hook.get("clientConfig") or {}).get("service", {}).get("name") == DEPLOYMENT
            for hook in obj.get("webhooks") or []
        )
    ]


def _serving_certificate(rendered: Rendered, webhooks: list[dict[str, Any]]) -> dict[str, str]:
    """The rendered Secret whose certificate the webhooks trust (base64 values)."""
    bundle = webhooks[0]["webhooks"][0]["clientConfig"]["caBundle"]
    for secret in rendered.of_kind("Secret"):
        data = secret.get("data") or {}
        if data.get("tls.crt") == bundle:
            return dict(data)
    raise AdmissionError("KAI's operator renders no Secret with the admission webhooks' CA")


def admission_command(
    binaries: dict[str, Path],
    rendered: Rendered,
    kubeconfig: Path,
    workdir: Path,
    port: int,
    limits: list[str],
) -> Supervised:
    """The admission controller on the host, its webhook on `port` of the host's address."""
    if DEPLOYMENT not in rendered.arguments:
        raise AdmissionError("KAI's operator renders no admission Deployment")
    webhooks = _webhooks(rendered)
    if not webhooks:
        raise AdmissionError("KAI's operator renders no webhook configuration for admission")
    temporary = workdir / "kai-admission-tmp"
    certs = temporary.joinpath(*CERT_FOLDER)
    certs.mkdir(parents=True, exist_ok=True)
    for key, value in _serving_certificate(rendered, webhooks).items():
        (certs / key).write_bytes(base64.b64decode(value))
    own = {
        "webhook-addr": str(port),
        "health-probe-bind-address": f"{LOOPBACK}:{free_port(LOOPBACK)}",
        "metrics-bind-address": f"{LOOPBACK}:{free_port(LOOPBACK)}",
    }
    arguments = host_arguments(rendered.arguments[DEPLOYMENT], own)
    environment = {
        **rendered.environment.get(DEPLOYMENT, {}),
        "KUBECONFIG": str(kubeconfig),
        "TMPDIR": str(temporary),
    }
    return Supervised(
        "kai-admission",
        ["admission", *arguments, *limits],
        binaries["kai-admission"],
        environment,
        workdir / "kai-admission.log",
    )


def _created(metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in metadata.items()
        if k not in ("resourceVersion", "uid", "creationTimestamp", "managedFields")
    }


def register(
    api: Any, rendered: Rendered, namespace: str, config: dict[str, Any], port: int
) -> None:
    """The admission Service and its EndpointSlice to the host, then the webhook
    configurations, owned by KAI's Config (`config`)."""
    service = _admission_service(rendered)
    body = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _created(service["metadata"]),
        "spec": {k: v for k, v in service["spec"].items() if k not in ("clusterIP", "clusterIPs")},
    }
    created = kube.raw(kube.core(api).create_namespaced_service, namespace, body)
    # The Service also names the metrics port; the API server calls the webhook port only.
    webhook_port = {**created, "spec": {**created["spec"], "ports": [
        p for p in created["spec"]["ports"] if p.get("name") == WEBHOOK_PORT_NAME
    ]}}  # fmt: skip
    kube.discovery(api).create_namespaced_endpoint_slice(
        namespace, endpoint_slice(webhook_port, host_address(), port)
    )
    owner = {
        "apiVersion": config["apiVersion"],
        "kind": config["kind"],
        "name": config["metadata"]["name"],
        "uid": config["metadata"]["uid"],
    }
    admission = kube.admission(api)
    for webhook in _webhooks(rendered):
        metadata = _created(webhook["metadata"]) | {"ownerReferences": [owner]}
        manifest = {**webhook, "metadata": metadata}
        if webhook["kind"] == "MutatingWebhookConfiguration":
            admission.create_mutating_webhook_configuration(manifest)
        else:
            admission.create_validating_webhook_configuration(manifest)


def _probe_pod(scheduler_name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "kai-admission-probe", "namespace": PROBE_NAMESPACE},
        "spec": {
            "schedulerName": scheduler_name,
            "containers": [{"name": "probe", "image": "probe"}],
        },
    }


def wait_serving(api: Any, scheduler_name: str) -> None:
    """Until the webhooks answer a dry-run pod of KAI's scheduler `SERVING_PROBES` times in
    a row (failure policy Fail: the API server refuses it while they do not answer)."""
    passed = 0

    def serving() -> bool:
        nonlocal passed
        try:
            kube.core(api).create_namespaced_pod(
                PROBE_NAMESPACE, _probe_pod(scheduler_name), dry_run="All"
            )
        except ApiException as error:
            # A webhook that answers may refuse the probe; one that does not answer fails
            # the call (failure policy Fail).
            if UNANSWERED in str(error.body):
                passed = 0
                return False
        passed += 1
        return passed >= SERVING_PROBES

    served = kube.wait_until(serving, timeout=SERVING_TIMEOUT, interval=1)
    assert served, f"KAI's admission webhooks did not serve within {SERVING_TIMEOUT:.0f}s"
