"""The DRA objects a stack renders: DeviceClass, claim templates, the pods that use them."""

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from fleet.demo.outcome import DEMO_WORKLOAD_LABEL
from fleet.demo.workloads import DRA_MISSING, DRA_OVERSIZED, DRA_QUEUE, DRA_SMALL, QUEUE, SMALL
from fleet.render.demo import SKIP_AWAIT, demo_objects
from fleet.render.dra import device_class
from fleet.render.objects import stack_objects
from fleet.render.operator import operator_values
from fleet.stack import versions
from fleet.stack.load import SpecError, load_stack_file, parse_fleet
from fleet.stack.spec import FleetSpec
from tests.paths import LESSON1_OWNER as DRA_OWNER
from tests.paths import STACKS_DIR

LESSON1_DRA_FILE = STACKS_DIR / "Pulumi.lesson1-dra.yaml"
POOLS = {
    "h100": {"nodes": 1, "gpusPerNode": 8, "product": "NVIDIA-H100-80GB-HBM3"},
    "l40s": {"nodes": 2, "gpusPerNode": 4, "product": "NVIDIA-L40S"},
}
PRODUCT_CEL = 'device.attributes["gpu.nvidia.com"].productName == "{}"'


def fleet(
    offer: str = "dra", version: str = "0.2.0", install: bool = True, **demo: Any
) -> FleetSpec:
    config = {
        "cluster": {"mode": "kind"},
        "pools": POOLS,
        "gpuOffer": offer,
        "operator": {"version": version, "install": install},
        "demo": {"enabled": True, **demo},
    }
    return parse_fleet(config, "test")


def by_kind_and_name(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}


def request(template: dict[str, Any]) -> dict[str, Any]:
    (only,) = template["spec"]["spec"]["devices"]["requests"]
    assert only["name"] == "gpus"
    exactly: dict[str, Any] = only["exactly"]
    return exactly


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = (
        obj["spec"]["template"]["spec"] if obj["kind"] == "Deployment" else obj["spec"]
    )
    return spec


def test_lesson1_dra_demo_creates_each_template_before_its_workload() -> None:
    objects = demo_objects(load_stack_file(LESSON1_DRA_FILE))
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("Namespace", "gpu-demo"),
        ("ResourceClaimTemplate", "dra-batch-small-claim"),
        ("Pod", DRA_SMALL),
        ("ResourceClaimTemplate", "dra-train-16gpu-claim"),
        ("Pod", DRA_OVERSIZED),
        ("ResourceClaimTemplate", "dra-needs-b200-claim"),
        ("Pod", DRA_MISSING),
        ("ResourceClaimTemplate", "dra-queue-pressure-claim"),
        ("Deployment", DRA_QUEUE),
    ]


def test_lesson1_dra_claims_select_by_class_and_product_not_by_gpu_count() -> None:
    objects = by_kind_and_name(demo_objects(load_stack_file(LESSON1_DRA_FILE)))
    templates = {
        name: request(obj)
        for (kind, name), obj in objects.items()
        if kind == "ResourceClaimTemplate"
    }
    assert {
        name: (r["deviceClassName"], r["allocationMode"], r["count"])
        for name, r in templates.items()
    } == {
        "dra-batch-small-claim": ("gpu.nvidia.com", "ExactCount", 1),
        "dra-train-16gpu-claim": ("gpu.nvidia.com", "ExactCount", 16),
        "dra-needs-b200-claim": ("gpu.nvidia.com", "ExactCount", 1),
        "dra-queue-pressure-claim": ("gpu.nvidia.com", "ExactCount", 1),
    }
    selectors = {name: r.get("selectors") for name, r in templates.items()}
    assert selectors == {
        "dra-batch-small-claim": [
            {"cel": {"expression": PRODUCT_CEL.format("NVIDIA-A100-SXM4-80GB")}}
        ],
        "dra-train-16gpu-claim": None,
        "dra-needs-b200-claim": [{"cel": {"expression": PRODUCT_CEL.format("NVIDIA-B200")}}],
        "dra-queue-pressure-claim": None,
    }
    assert objects[("Deployment", DRA_QUEUE)]["spec"]["replicas"] == 40


def test_dra_pods_name_their_template_and_request_no_gpu_count() -> None:
    objects = by_kind_and_name(demo_objects(load_stack_file(LESSON1_DRA_FILE)))
    for name in (DRA_SMALL, DRA_OVERSIZED, DRA_MISSING, DRA_QUEUE):
        obj = objects[("Deployment" if name == DRA_QUEUE else "Pod", name)]
        spec = pod_spec(obj)
        assert spec["resourceClaims"] == [
            {"name": "gpus", "resourceClaimTemplateName": f"{name}-claim"}
        ], name
        (container,) = spec["containers"]
        assert container["resources"] == {"claims": [{"name": "gpus"}]}, name
        assert "nodeSelector" not in spec, name


def test_claims_made_from_a_template_carry_the_workload_label() -> None:
    objects = by_kind_and_name(demo_objects(load_stack_file(LESSON1_DRA_FILE)))
    template = objects[("ResourceClaimTemplate", "dra-queue-pressure-claim")]
    assert template["spec"]["metadata"]["labels"][DEMO_WORKLOAD_LABEL] == DRA_QUEUE


def test_only_the_small_dra_pod_is_awaited() -> None:
    objects = demo_objects(load_stack_file(LESSON1_DRA_FILE))
    skipped = {
        o["metadata"]["name"]
        for o in objects
        if o["metadata"].get("annotations", {}).get(SKIP_AWAIT) == "true"
    }
    assert skipped == {DRA_OVERSIZED, DRA_MISSING, DRA_QUEUE}


def test_queue_selecting_by_memory_compares_the_memory_capacity() -> None:
    objects = by_kind_and_name(demo_objects(fleet(queueMinGpuMemoryMiB=80_000)))
    selectors = request(objects[("ResourceClaimTemplate", "dra-queue-pressure-claim")])["selectors"]
    assert selectors == [
        {
            "cel": {
                "expression": 'device.capacity["gpu.nvidia.com"].memory'
                '.compareTo(quantity("80000Mi")) >= 0'
            }
        }
    ]


def test_both_offers_render_both_demos_device_plugin_first() -> None:
    names = [
        o["metadata"]["name"]
        for o in demo_objects(fleet("both"))
        if o["kind"] in ("Pod", "Deployment")
    ]
    assert names[:4] == [SMALL, "cuda-train-16gpu", "cuda-needs-b200", QUEUE]
    assert names[4:] == [DRA_SMALL, DRA_OVERSIZED, DRA_MISSING, DRA_QUEUE]


@pytest.mark.parametrize(
    ("offer", "install", "has_class"),
    [
        ("devicePlugin", False, False),
        ("dra", False, True),
        ("both", False, True),
        # The operator's chart brings the class with its KWOK DRA plugin.
        ("dra", True, False),
        ("both", True, False),
    ],
)
def test_the_device_class_comes_with_a_dra_offer_the_operator_does_not_cover(
    offer: str, install: bool, has_class: bool
) -> None:
    objects = list(stack_objects(fleet(offer, install=install), DRA_OWNER))
    classes = [o for o in objects if o["kind"] == "DeviceClass"]
    assert classes == ([device_class()] if has_class else [])
    if has_class:
        assert classes[0]["metadata"]["name"] == "gpu.nvidia.com"
        assert classes[0]["spec"]["selectors"] == [
            {"cel": {"expression": 'device.driver == "gpu.nvidia.com"'}}
        ]
        # Before the demo, which names it.
        kinds = [o["kind"] for o in objects]
        assert kinds.index("DeviceClass") < kinds.index("ResourceClaimTemplate")


def test_every_dra_object_validates_against_kubernetes_1_36() -> None:
    objects = [
        o
        for o in stack_objects(fleet("both", install=False, queueMinGpuMemoryMiB=40_000), DRA_OWNER)
        if o["kind"] != "Node"
    ]
    assert {o["kind"] for o in objects} >= {
        "DeviceClass",
        "ResourceClaimTemplate",
        "Pod",
        "Deployment",
    }
    for obj in objects:
        checked = kubernetes_validate.validate(obj, versions.KUBERNETES_VERSION, strict=True)
        assert checked == "1.36", obj["metadata"]["name"]


def test_schema_check_catches_a_bad_claim_template() -> None:
    """Not vacuous: a request with `exact` for `exactly` fails strict validation."""
    template = next(o for o in demo_objects(fleet()) if o["kind"] == "ResourceClaimTemplate")
    requests = template["spec"]["spec"]["devices"]["requests"]
    requests[0]["exact"] = requests[0].pop("exactly")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(template, versions.KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize(
    ("offer", "device_plugin", "dra"),
    [("devicePlugin", True, False), ("dra", False, True), ("both", True, True)],
)
def test_operator_plugins_follow_the_offer(offer: str, device_plugin: bool, dra: bool) -> None:
    values = operator_values(fleet(offer))
    assert values["kwokGpuDevicePlugin"] == {"enabled": device_plugin}
    assert values["kwokDraPlugin"] == {"enabled": dra}


def test_extra_values_tune_a_plugin_but_cannot_switch_it() -> None:
    config = {
        "cluster": {"mode": "kind"},
        "pools": POOLS,
        "gpuOffer": "dra",
        "operator": {
            "version": "0.2.0",
            "values": {"kwokDraPlugin": {"enabled": False, "image": {"tag": "0.2.0"}}},
        },
    }
    values = operator_values(parse_fleet(config, "test"))
    assert values["kwokDraPlugin"] == {"enabled": True, "image": {"tag": "0.2.0"}}


def test_charts_before_the_dra_plugin_get_no_plugin_switches() -> None:
    values = operator_values(load_stack_file(STACKS_DIR / "Pulumi.lesson1.yaml"))
    assert "kwokDraPlugin" not in values
    assert "kwokGpuDevicePlugin" not in values


@pytest.mark.parametrize("version", ["0.0.59", "0.0.67", "0.1.9"])
def test_dra_on_an_operator_without_the_plugin_is_refused(tmp_path: Path, version: str) -> None:
    stack = tmp_path / "Pulumi.old.yaml"
    stack.write_text(
        LESSON1_DRA_FILE.read_text().replace("version: 0.2.0", f"version: {version}"),
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as raised:
        load_stack_file(stack)
    message = str(raised.value)
    assert message.startswith(f"{stack}: invalid fleet spec")
    assert "gpu-fleet:gpuOffer: 'dra' needs the operator's KWOK DRA plugin" in message
    assert f"fake-gpu-operator {version} (operator.version)" in message
    assert "set operator.version to 0.2.0 or later, or gpuOffer: devicePlugin" in message


def test_dra_without_an_operator_version_is_refused_on_the_default_pin() -> None:
    config = {"cluster": {"mode": "kind"}, "pools": POOLS, "gpuOffer": "both"}
    with pytest.raises(SpecError, match=r"fake-gpu-operator 0\.0\.59 \(operator\.version\)"):
        parse_fleet(config, "test")


def test_dra_is_accepted_when_the_stack_does_not_install_the_operator() -> None:
    config = {
        "cluster": {"mode": "kind"},
        "pools": POOLS,
        "gpuOffer": "dra",
        "operator": {"install": False},
    }
    assert parse_fleet(config, "test").offers_dra


def test_unknown_offer_is_refused() -> None:
    with pytest.raises(
        SpecError, match=r"gpu-fleet:gpuOffer: Input should be 'devicePlugin', 'dra' or 'both'"
    ):
        fleet("mig")


def test_memory_selection_needs_a_dra_offer() -> None:
    with pytest.raises(
        SpecError, match=r"gpu-fleet:demo\.queueMinGpuMemoryMiB: selecting GPUs by memory"
    ):
        fleet("devicePlugin", queueMinGpuMemoryMiB=40_000)
