"""A replay on the lesson-1 fleet offering GPUs by DRA (stacks/Pulumi.lesson1-dra.yaml's
layout), under the real engine: fake-gpu-operator 0.2.0's KWOK DRA plugin publishes a
ResourceSlice per node, a generated trace (its offer left to the stack) asks for every
pod's GPUs by a ResourceClaim from the replay's templates, the scheduler allocates the
devices, KWOK's job-complete Stage ends the pods, and the observed timeline follows
`fleet expect --trace`'s prediction as on the device plugin (test_8_replay). Then
`replay-clean` removes the Jobs, pods, templates and claims. On a control plane of its
own (about 40 s of replay).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fleet.render import dra
from fleet.replay.jobs import REPLAY_LABEL, claim_template_name
from lab import kube
from lab.lesson1 import LESSON1_POOLS
from lab.pins import OPERATOR_DRA_VERSION
from lab.replay_fleet import ReplayFleet, replay_fleet
from lab.tools import Engine
from tests.e2e.replay_checks import NAMESPACE, assert_follows_prediction, replay, replay_objects
from tests.e2e.test_1_lesson1 import fleet_cli

pytestmark = pytest.mark.e2e

JOBS, SPAN_S = 80, 2400
CLAIMS = ("resource.k8s.io", "v1")


@pytest.fixture(scope="module")
def fleet(
    binaries: dict[str, Path], engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReplayFleet]:
    workdir = tmp_path_factory.mktemp("replay-dra")
    with replay_fleet(
        binaries, engine, workdir, "e2e-replay-dra", LESSON1_POOLS,
        operator=OPERATOR_DRA_VERSION, offer="dra",
    ) as created:  # fmt: skip
        yield created


def claim_objects(api: Any) -> tuple[int, int]:
    """ResourceClaimTemplates and ResourceClaims of replays."""
    custom = kube.custom(api)
    found = [
        custom.list_namespaced_custom_object(
            *CLAIMS, NAMESPACE, plural, label_selector=REPLAY_LABEL
        )["items"]
        for plural in ("resourceclaimtemplates", "resourceclaims")
    ]
    return len(found[0]), len(found[1])


def test_a_dra_replay_follows_its_prediction_and_cleans_up(
    fleet: ReplayFleet, tmp_path: Path
) -> None:
    stack_file = str(fleet.stack.stack_file)
    replayed = replay(stack_file, tmp_path, "steady", JOBS, SPAN_S)
    rows = replayed.document.rows
    assert {row.offer for row in rows} == {"dra"}  # the stack's offer filled the column
    assert replayed.prediction["pods_by_offer"] == {"dra": sum(row.pods for row in rows)}
    assert_follows_prediction(replayed, JOBS)

    # Every pod asked by claim, and got one made from the template for its GPU count.
    pods = kube.items(
        kube.core(fleet.api).list_namespaced_pod, NAMESPACE, label_selector=REPLAY_LABEL
    )
    gpus = {row.job: row.gpus_per_pod for row in rows}
    assert len(pods) == sum(row.pods for row in rows)
    for pod in pods:
        job = pod["metadata"]["labels"]["gpu-fleet.dev/trace-job"]
        (claim,) = pod["spec"]["resourceClaims"]
        assert claim == {
            "name": dra.CLAIM_REQUEST,
            "resourceClaimTemplateName": claim_template_name(gpus[job]),
        }
        (made,) = pod["status"]["resourceClaimStatuses"]
        assert made["resourceClaimName"].startswith(pod["metadata"]["name"])
        assert "nvidia.com/gpu" not in str(pod["spec"]["containers"])
    templates = len(set(gpus.values()))
    assert claim_objects(fleet.api)[0] == templates

    cleaned = fleet_cli("replay-clean", stack_file)
    assert cleaned.returncode == 0, cleaned.stderr
    assert f"deleted {JOBS} jobs" in cleaned.stdout
    assert f"{templates} ResourceClaimTemplates" in cleaned.stdout
    assert kube.wait_until(
        lambda: replay_objects(fleet.api) == (0, 0) and claim_objects(fleet.api) == (0, 0),
        timeout=60,
    )
