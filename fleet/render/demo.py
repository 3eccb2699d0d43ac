"""Kubernetes objects of the scheduling demo: its namespace and its workloads.

Every demo pod carries its workload's simulated GPU utilization in the operator's
annotation (`run.ai/simulated-gpu-utilization`), which its exporter reports.

A DRA workload is preceded by its ResourceClaimTemplate, so that the
template exists before the pods that name it.

Pulumi awaits Pods and Deployments until they are ready, so a workload meant
to stay (partly) Pending would hang `pulumi up` until its timeout. The three
workloads whose purpose is to show Pending pods carry `pulumi.com/skipAwait:
"true"` whatever the fleet's size, so that a capacity change never shows up as
a change to them; the small pod is awaited unless the demo plan (`fleet.demo.plan`) predicts that
it cannot run on this fleet. Its await is cut to `AWAIT_SECONDS` (the provider's
default is 10 minutes): when no GPUs are advertised, for example because the
operator is not running, `pulumi up` fails within that time with the pod's
scheduling reason instead of sitting in the await.
"""

from typing import Any

from fleet.demo.outcome import DEMO_WORKLOAD_LABEL
from fleet.demo.plan import plan_demo
from fleet.demo.workloads import (
    DRA_MISSING,
    DRA_OVERSIZED,
    DRA_QUEUE,
    MISSING,
    OVERSIZED,
    QUEUE,
    DemoWorkload,
)
from fleet.render import dra
from fleet.render.nodes import GPU_RESOURCE, KWOK_TAINT, POOL_LABEL
from fleet.stack.spec import PROJECT, FleetSpec
from fleet.stack.utilization import UTILIZATION_ANNOTATION

PART_OF_LABEL = "app.kubernetes.io/part-of"
SKIP_AWAIT = "pulumi.com/skipAwait"
AWAIT_TIMEOUT = "pulumi.com/timeoutSeconds"
AWAIT_SECONDS = 120
KWOK_TOLERATION = {**KWOK_TAINT, "operator": "Equal"}
MEANT_TO_PEND = frozenset({OVERSIZED, MISSING, QUEUE, DRA_OVERSIZED, DRA_MISSING, DRA_QUEUE})


def demo_objects(spec: FleetSpec) -> list[dict[str, Any]]:
    """The namespace first, then the workloads in creation order."""
    namespace = spec.demo.namespace
    plan = plan_demo(spec)
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "labels": {PART_OF_LABEL: PROJECT}},
        }
    ]
    for workload in plan.workloads:
        metadata: dict[str, Any] = {
            "name": workload.name,
            "namespace": namespace,
            "labels": _labels(workload),
        }
        if workload.name in MEANT_TO_PEND or plan.expected.workload(workload.name).pending:
            metadata["annotations"] = {SKIP_AWAIT: "true"}
        else:
            metadata["annotations"] = {AWAIT_TIMEOUT: str(AWAIT_SECONDS)}
        if workload.claim is not None:
            objects.append(_claim_template(workload, namespace))
        pod_spec = _pod_spec(workload, spec.demo.image)
        utilization = {UTILIZATION_ANNOTATION: workload.utilization}
        if workload.kind == "Pod":
            metadata["annotations"].update(utilization)
            objects.append(
                {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec}
            )
        else:
            objects.append(_deployment(workload, metadata, pod_spec, utilization))
    return objects


def _labels(workload: DemoWorkload) -> dict[str, str]:
    return {DEMO_WORKLOAD_LABEL: workload.name, PART_OF_LABEL: PROJECT}


def claim_template_name(workload: DemoWorkload) -> str:
    return f"{workload.name}-claim"


def _claim_template(workload: DemoWorkload, namespace: str) -> dict[str, Any]:
    assert workload.claim is not None  # only DRA workloads have a template
    metadata = {
        "name": claim_template_name(workload),
        "namespace": namespace,
        "labels": _labels(workload),
    }
    return dra.claim_template(metadata, _labels(workload), workload.gpus, workload.claim)


def _pod_spec(workload: DemoWorkload, image: str) -> dict[str, Any]:
    """No cpu or memory requests: only the GPUs decide where a demo pod fits.

    A device-plugin pod asks for `nvidia.com/gpu`; a DRA pod for its own claim
    from the workload's template.
    """
    container: dict[str, Any] = {"name": "cuda", "image": image, "command": ["sleep", "infinity"]}
    spec: dict[str, Any] = {"tolerations": [dict(KWOK_TOLERATION)], "containers": [container]}
    if workload.claim is None:
        container["resources"] = {"limits": {GPU_RESOURCE: str(workload.gpus)}}
    else:
        container["resources"], spec["resourceClaims"] = dra.pod_claim(
            claim_template_name(workload)
        )
    if workload.pool is not None:
        spec["nodeSelector"] = {POOL_LABEL: workload.pool}
    if workload.kind == "Pod":
        spec["restartPolicy"] = "Never"
    return spec


def _deployment(
    workload: DemoWorkload,
    metadata: dict[str, Any],
    pod_spec: dict[str, Any],
    pod_annotations: dict[str, str],
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": workload.replicas,
            "selector": {"matchLabels": {DEMO_WORKLOAD_LABEL: workload.name}},
            "template": {
                "metadata": {"labels": _labels(workload), "annotations": pod_annotations},
                "spec": pod_spec,
            },
        },
    }
