"""A DRA stack as registered: DeviceClass, operator plugin switches, the demo after both."""

from lab.mocks import Deploy, stack

DEVICE_CLASS = "kubernetes:resource.k8s.io/v1:DeviceClass"
CLAIM_TEMPLATE = "kubernetes:resource.k8s.io/v1:ResourceClaimTemplate"
RELEASE = "kubernetes:helm.sh/v3:Release"


def test_lesson1_dra_leaves_the_device_class_to_the_operator_release(deploy: Deploy) -> None:
    """The chart creates gpu.nvidia.com with its KWOK DRA plugin; Helm would refuse to
    install over one the stack had created."""
    deployment = deploy(stack("lesson1-dra"))
    assert deployment.of_type(DEVICE_CLASS) == []
    (release,) = deployment.of_type(RELEASE)
    (demo,) = deployment.of_type("gpu-fleet:index:DemoWorkloads")
    assert release.urn in demo.dependencies


def test_a_dra_stack_without_the_operator_creates_the_class_before_the_demo(
    deploy: Deploy,
) -> None:
    spec = stack("lesson1-dra")
    spec = spec.model_copy(update={"operator": spec.operator.model_copy(update={"install": False})})
    deployment = deploy(spec)
    (device_class,) = deployment.of_type(DEVICE_CLASS)
    assert device_class.name == "gpu.nvidia.com"
    assert device_class.inputs["spec"]["selectors"] == [
        {"cel": {"expression": 'device.driver == "gpu.nvidia.com"'}}
    ]
    (demo,) = deployment.of_type("gpu-fleet:index:DemoWorkloads")
    assert device_class.urn in demo.dependencies


def test_lesson1_dra_demo_asks_by_claim_templates(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1-dra"))
    (demo,) = deployment.of_type("gpu-fleet:index:DemoWorkloads")
    templates = deployment.of_type(CLAIM_TEMPLATE)
    assert [t.name for t in templates] == [
        "gpu-demo/dra-batch-small-claim",
        "gpu-demo/dra-train-16gpu-claim",
        "gpu-demo/dra-needs-b200-claim",
        "gpu-demo/dra-queue-pressure-claim",
    ]
    assert all(t.parent == demo.urn for t in templates)


def test_lesson1_dra_release_runs_the_dra_plugin_only(deploy: Deploy) -> None:
    (release,) = deploy(stack("lesson1-dra")).of_type(RELEASE)
    assert release.inputs["version"] == "0.2.0"
    values = release.inputs["values"]
    assert values["kwokDraPlugin"]["enabled"] is True
    assert values["kwokGpuDevicePlugin"]["enabled"] is False


def test_a_device_plugin_stack_registers_no_dra_objects(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1"))
    assert deployment.of_type(DEVICE_CLASS) == []
    assert deployment.of_type(CLAIM_TEMPLATE) == []
