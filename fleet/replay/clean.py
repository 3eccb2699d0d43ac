"""Remove what replays created: their Jobs and pods, and their PriorityClasses.

Everything a replay creates carries the label `gpu-fleet.dev/replay`; the namespace
is left (it may hold other things), empty of replay objects.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from kubernetes import client

from fleet.replay.jobs import REPLAY_LABEL


@dataclass(frozen=True)
class Cleaned:
    jobs: int
    pods: int
    priority_classes: int


def clean(api: client.ApiClient, namespaces: Sequence[str]) -> Cleaned:
    """Every replay object in `namespaces` (the replay's, and its teams': a team's jobs run
    in the team's namespace), and the PriorityClasses."""
    batch, core = client.BatchV1Api(api), client.CoreV1Api(api)
    scheduling = client.SchedulingV1Api(api)
    jobs = pods = 0
    for namespace in namespaces:
        found = len(batch.list_namespaced_job(namespace, label_selector=REPLAY_LABEL).items)
        if found:
            batch.delete_collection_namespaced_job(
                namespace, label_selector=REPLAY_LABEL, propagation_policy="Background"
            )
        jobs += found
        found = len(core.list_namespaced_pod(namespace, label_selector=REPLAY_LABEL).items)
        if found:
            core.delete_collection_namespaced_pod(namespace, label_selector=REPLAY_LABEL)
        pods += found
    classes = scheduling.list_priority_class(label_selector=REPLAY_LABEL).items
    if classes:
        scheduling.delete_collection_priority_class(label_selector=REPLAY_LABEL)
    return Cleaned(jobs, pods, len(classes))
