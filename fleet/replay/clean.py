"""Remove what replays created: their Jobs and pods, their PriorityClasses, and their
ResourceClaimTemplates and claims (rows asking for GPUs by DRA).

Everything a replay creates carries the label `gpu-fleet.dev/replay`; the namespace
is left (it may hold other things), empty of replay objects.
"""

from dataclasses import dataclass

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from fleet.replay.jobs import REPLAY_LABEL

NOT_FOUND = 404


@dataclass(frozen=True)
class Cleaned:
    jobs: int
    pods: int
    priority_classes: int
    claim_templates: int


def _clean_claims(api: client.ApiClient, namespace: str) -> int:
    """Delete the replay's claim templates and claims; the templates there were (0 on a
    cluster that does not serve `resource.k8s.io/v1`: a replay there made none)."""
    resource = client.ResourceV1Api(api)
    try:
        templates = resource.list_namespaced_resource_claim_template(
            namespace, label_selector=REPLAY_LABEL
        ).items
    except ApiException as error:
        if error.status == NOT_FOUND:
            return 0
        raise
    if templates:
        resource.delete_collection_namespaced_resource_claim_template(
            namespace, label_selector=REPLAY_LABEL
        )
    # Claims made from the templates belong to their pods and go with them; any left
    # (a pod deleted before its claim was) go now.
    resource.delete_collection_namespaced_resource_claim(namespace, label_selector=REPLAY_LABEL)
    return len(templates)


def clean(api: client.ApiClient, namespace: str) -> Cleaned:
    batch, core = client.BatchV1Api(api), client.CoreV1Api(api)
    scheduling = client.SchedulingV1Api(api)
    jobs = batch.list_namespaced_job(namespace, label_selector=REPLAY_LABEL).items
    pods = core.list_namespaced_pod(namespace, label_selector=REPLAY_LABEL).items
    classes = scheduling.list_priority_class(label_selector=REPLAY_LABEL).items
    if jobs:
        batch.delete_collection_namespaced_job(
            namespace, label_selector=REPLAY_LABEL, propagation_policy="Background"
        )
    if pods:
        core.delete_collection_namespaced_pod(namespace, label_selector=REPLAY_LABEL)
    if classes:
        scheduling.delete_collection_priority_class(label_selector=REPLAY_LABEL)
    templates = _clean_claims(api, namespace)
    return Cleaned(len(jobs), len(pods), len(classes), templates)
