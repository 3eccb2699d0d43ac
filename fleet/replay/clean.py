"""Remove what replays created: their Jobs and pods, and their PriorityClasses.

Everything a replay creates carries the label `gpu-fleet.dev/replay`; the namespace
is left (it may hold other things), empty of replay objects.
"""

from dataclasses import dataclass

from kubernetes import client

from fleet.replay.jobs import REPLAY_LABEL


@dataclass(frozen=True)
class Cleaned:
    jobs: int
    pods: int
    priority_classes: int


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
    return Cleaned(len(jobs), len(pods), len(classes))
