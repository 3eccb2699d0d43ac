"""The demo's workload shapes and the manifests the stack sends for them."""

import functools
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils
import pytest

from fleet.demo.outcome import DEMO_WORKLOAD_LABEL, REASON_NODE_SELECTOR
from fleet.demo.plan import plan_demo
from fleet.demo.workloads import (
    DRA_MISSING,
    DRA_OVERSIZED,
    DRA_QUEUE,
    DRA_SMALL,
    MISSING,
    OVERSIZED,
    QUEUE,
    SMALL,
    demo_workloads,
)
from fleet.render.demo import AWAIT_SECONDS, AWAIT_TIMEOUT, SKIP_AWAIT, demo_objects
from fleet.render.nodes import KWOK_TAINT
from fleet.render.objects import stack_objects
from fleet.stack import versions
from fleet.stack.load import SpecError, load_stack_file
from fleet.stack.spec import FleetSpec
from fleet.stack.utilization import UTILIZATION_ANNOTATION
from tests.demo.fleets import MakeFleet, beyond_the_spec, pool
from tests.paths import LESSON1_OWNER, STACK_FILES

NAMES = (SMALL, OVERSIZED, MISSING, QUEUE)
DRA_NAMES = (DRA_SMALL, DRA_OVERSIZED, DRA_MISSING, DRA_QUEUE)
NAMES_BY_OFFER = {"devicePlugin": NAMES, "dra": DRA_NAMES, "both": NAMES + DRA_NAMES}


def _workloads(spec: FleetSpec) -> dict[str, dict[str, Any]]:
    """The Pods and Deployments of the demo (not its namespace or claim templates)."""
    return {
        obj["metadata"]["name"]: obj
        for obj in demo_objects(spec)
        if obj["kind"] in ("Pod", "Deployment")
    }


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = (
        obj["spec"]["template"]["spec"] if obj["kind"] == "Deployment" else obj["spec"]
    )
    return spec


def _gpus(obj: dict[str, Any]) -> str:
    limits: dict[str, str] = _pod_spec(obj)["containers"][0]["resources"]["limits"]
    return limits["nvidia.com/gpu"]


def test_lesson1_shapes(lesson1: FleetSpec) -> None:
    objects = demo_objects(lesson1)
    assert [(obj["kind"], obj["metadata"]["name"]) for obj in objects] == [
        ("Namespace", "gpu-demo"),
        ("Pod", SMALL),
        ("Pod", OVERSIZED),
        ("Pod", MISSING),
        ("Deployment", QUEUE),
    ]
    workloads = _workloads(lesson1)
    assert {name: _gpus(obj) for name, obj in workloads.items()} == {
        SMALL: "1",
        OVERSIZED: "16",
        MISSING: "1",
        QUEUE: "1",
    }
    selectors = {name: _pod_spec(obj).get("nodeSelector") for name, obj in workloads.items()}
    assert selectors == {
        SMALL: {"gpu-pool": "a100"},
        OVERSIZED: None,
        MISSING: {"gpu-pool": "b200"},
        QUEUE: None,
    }
    assert workloads[QUEUE]["spec"]["replicas"] == 40
    assert all(workloads[name]["spec"]["restartPolicy"] == "Never" for name in NAMES[:3])


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda path: path.stem)
def test_every_workload_tolerates_kwok_and_is_labelled(stack_file: Path) -> None:
    spec = load_stack_file(stack_file)
    workloads = _workloads(spec)
    names = NAMES_BY_OFFER[spec.gpu_offer]
    assert tuple(workloads) == names
    for name, obj in workloads.items():
        assert obj["metadata"]["namespace"] == spec.demo.namespace
        pod_spec = _pod_spec(obj)
        assert pod_spec["tolerations"] == [{**KWOK_TAINT, "operator": "Equal"}], name
        assert pod_spec["containers"][0]["image"] == spec.demo.image
        pod_labels = (
            obj["spec"]["template"]["metadata"]["labels"]
            if obj["kind"] == "Deployment"
            else obj["metadata"]["labels"]
        )
        assert pod_labels[DEMO_WORKLOAD_LABEL] == name
        assert pod_labels["app.kubernetes.io/part-of"] == "gpu-fleet"
    queue = names[-1]
    assert workloads[queue]["spec"]["selector"]["matchLabels"] == {DEMO_WORKLOAD_LABEL: queue}


def test_sizes_follow_the_fleet(make_fleet: MakeFleet) -> None:
    spec = make_fleet({"l40s": pool(3, 4), "big": pool(1, 16)})
    sizes = {w.name: (w.gpus, w.replicas, w.pool) for w in demo_workloads(spec)}
    assert sizes == {
        SMALL: (1, 1, "l40s"),  # the first declared pool
        OVERSIZED: (32, 1, None),  # twice the largest node
        MISSING: (1, 1, "b200"),
        QUEUE: (1, 36, None),  # 28 GPUs + 8
    }


def test_overrides(lesson1_with: MakeFleet) -> None:
    spec = lesson1_with(
        smallPool="l40s", oversizedGpus=12, missingPool="gb300", queueReplicas=7, image="busybox"
    )
    sizes = {w.name: (w.gpus, w.replicas, w.pool) for w in demo_workloads(spec)}
    assert sizes == {
        SMALL: (1, 1, "l40s"),
        OVERSIZED: (12, 1, None),
        MISSING: (1, 1, "gb300"),
        QUEUE: (1, 7, None),
    }
    assert _pod_spec(_workloads(spec)[QUEUE])["containers"][0]["image"] == "busybox"


@pytest.mark.parametrize(
    "names",
    [["a100"], ["b200"], ["b200", "b200-absent"], ["b200", "b200-absent", "b200-absent-2", "x"]],
    ids=str,
)
def test_default_missing_pool_is_no_pool_of_the_stack(
    names: list[str], make_fleet: MakeFleet
) -> None:
    """Whatever the stack's pools are called, the pod asks for a pool that is none of them
    (a valid pool name), so that it stays Pending for the node selector."""
    spec = make_fleet({name: pool(1, 8) for name in names})
    (selected,) = _pod_spec(_workloads(spec)[MISSING])["nodeSelector"].values()
    assert selected not in spec.pools
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", selected)
    assert len(selected) <= 63
    expected = plan_demo(spec).expected.workload(MISSING)
    assert (expected.running, expected.pending) == (0, 1)
    assert expected.reasons == (REASON_NODE_SELECTOR,)


@pytest.mark.parametrize(
    ("demo", "key"),
    [({"smallPool": "h200"}, "demo.smallPool"), ({"missingPool": "a100"}, "demo.missingPool")],
)
def test_demo_pools_are_checked_against_the_stack(
    make_fleet: MakeFleet, demo: dict[str, str], key: str
) -> None:
    with pytest.raises(SpecError) as raised:
        make_fleet({"a100": pool(1, 8)}, **demo)
    assert f"gpu-fleet:{key}:" in str(raised.value)


def test_skip_await_exactly_on_lesson1_pending_workloads(lesson1: FleetSpec) -> None:
    annotated = {
        name
        for name, obj in _workloads(lesson1).items()
        if SKIP_AWAIT in obj["metadata"].get("annotations", {})
    }
    assert annotated == {OVERSIZED, MISSING, QUEUE}
    assert _workloads(lesson1)[OVERSIZED]["metadata"]["annotations"] == {
        SKIP_AWAIT: "true",
        UTILIZATION_ANNOTATION: "85-100",
    }


@pytest.mark.parametrize(
    "demo",
    [{}, {"oversizedGpus": 8}, {"queueReplicas": 20}, {"oversizedGpus": 4, "queueReplicas": 0}],
    ids=["lesson1", "oversized-fits", "queue-fits", "all-but-b200-run"],
)
def test_skip_await_does_not_follow_capacity(lesson1_with: MakeFleet, demo: dict[str, int]) -> None:
    """A capacity change must not show up as a change to the demo's workloads."""
    for name, obj in _workloads(beyond_the_spec(lesson1_with(), **demo)).items():
        skipped = obj["metadata"].get("annotations", {}).get(SKIP_AWAIT) == "true"
        assert skipped == (name != SMALL), name


def test_small_pod_that_cannot_run_is_not_awaited(make_fleet: MakeFleet) -> None:
    """Awaiting a pod the model knows cannot be scheduled would hang `pulumi up`."""
    spec = make_fleet(pools={"a100": pool(nodes=1, gpus=8, pods=2)})
    assert plan_demo(spec).expected.workload(SMALL).pending == 1
    assert _workloads(spec)[SMALL]["metadata"]["annotations"] == {
        SKIP_AWAIT: "true",
        UTILIZATION_ANNOTATION: "60-90",
    }


def test_awaited_small_pod_gives_up_fast(lesson1: FleetSpec) -> None:
    """When nothing advertises GPUs, `pulumi up` must fail in minutes, not sit in a
    10-minute await: the one awaited workload carries a short timeout."""
    annotations = _workloads(lesson1)[SMALL]["metadata"]["annotations"]
    assert annotations == {AWAIT_TIMEOUT: str(AWAIT_SECONDS), UTILIZATION_ANNOTATION: "60-90"}
    assert AWAIT_SECONDS <= 120


def test_stack_objects_add_the_demo_after_the_nodes_only_when_enabled(lesson1: FleetSpec) -> None:
    kinds = [obj["kind"] for obj in stack_objects(lesson1, LESSON1_OWNER)]
    assert kinds == ["Stage"] + ["Node"] * 5 + ["Namespace"] * 2 + [
        "Pod",
        "Pod",
        "Pod",
        "Deployment",
    ]
    disabled = lesson1.model_copy(
        update={"demo": lesson1.demo.model_copy(update={"enabled": False})}
    )
    kinds = [obj["kind"] for obj in stack_objects(disabled, LESSON1_OWNER)]
    assert kinds == ["Stage"] + ["Node"] * 5 + ["Namespace"]


@pytest.fixture
def _cached_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    cached = functools.cache(kubernetes_validate.utils.schema_contents)
    monkeypatch.setattr(kubernetes_validate.utils, "schema_contents", cached)


@pytest.mark.usefixtures("_cached_schemas")
def test_overridden_demo_matches_the_schema(lesson1_with: MakeFleet) -> None:
    """Stack files cover the defaults (tests/spec); here: awaited workloads and an empty queue."""
    spec = beyond_the_spec(lesson1_with(namespace="demo-2"), oversizedGpus=8, queueReplicas=0)
    for obj in demo_objects(spec):
        checked = kubernetes_validate.validate(obj, versions.KUBERNETES_VERSION, strict=True)
        assert checked == "1.36", obj["metadata"]["name"]
