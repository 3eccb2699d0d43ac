"""The Pulumi program itself: config in, fleet and outputs out, bad config refused cleanly."""

import json
import runpy
from typing import Any

import pulumi
import pytest

from lab.mocks import Deployment, install_mocks, is_secret, stack
from tests.paths import ROOT


def run_program(
    config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, deployment: Deployment | None = None
) -> tuple[Deployment, dict[str, Any]]:
    """Runs __main__.py under mocks with `config` as the stack's config; returns its exports."""
    deployment = deployment or install_mocks()
    pulumi.runtime.set_all_config(
        {
            f"gpu-fleet:{key}": value if isinstance(value, str) else json.dumps(value)
            for key, value in config.items()
        }
    )
    exports: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exports.__setitem__(name, value))

    @pulumi.runtime.test
    def program() -> pulumi.Output[list[Any]]:
        runpy.run_path(str(ROOT / "__main__.py"))
        return pulumi.Output.all(*[pulumi.Output.from_input(v) for v in exports.values()])

    program()
    return deployment, exports


LESSON1 = stack("lesson1").model_dump(by_alias=True, exclude_none=True)


def test_the_program_builds_the_lesson1_fleet(monkeypatch: pytest.MonkeyPatch) -> None:
    deployment, _ = run_program(LESSON1, monkeypatch)
    assert len(deployment.of_type("kubernetes:core/v1:Node")) == 5
    assert len(deployment.of_type("gpu-fleet:index:GpuFleet")) == 1


def test_outputs_carry_the_figures_and_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    _, exports = run_program(LESSON1, monkeypatch)
    assert (exports["totalNodes"], exports["totalGpus"], exports["largestPodGpus"]) == (5, 32, 8)
    assert exports["pools"]["a100"]["gpus"] == 16
    assert exports["versions"] == {
        "kwok": "v0.7.0",
        "fakeGpuOperator": "0.0.59",
        "kindNodeImage": "kindest/node:v1.36.1",
    }


@pulumi.runtime.test
def test_the_kubeconfig_output_is_secret(monkeypatch: pytest.MonkeyPatch) -> pulumi.Output[None]:
    exports: dict[str, Any] = {}
    install_mocks()
    pulumi.runtime.set_all_config({f"gpu-fleet:{k}": json.dumps(v) for k, v in LESSON1.items()})
    monkeypatch.setattr(pulumi, "export", lambda name, value: exports.__setitem__(name, value))
    runpy.run_path(str(ROOT / "__main__.py"))

    def check(is_secret: bool) -> None:
        assert is_secret is True

    return is_secret(exports["kubeconfig"]).apply(check)


def test_bad_config_is_refused_before_anything_is_created(monkeypatch: pytest.MonkeyPatch) -> None:
    config = {**LESSON1, "pools": {"a100": {"nodes": "2", "gpusPerNode": 8, "product": "X"}}}
    with pytest.raises(pulumi.RunError) as refused:
        run_program(config, monkeypatch)
    message = str(refused.value)
    assert "stacks/Pulumi.test.yaml: invalid fleet spec" in message
    assert "gpu-fleet:pools.a100.nodes" in message


def test_refused_config_registers_no_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    config = {**LESSON1, "cluster": "kind"}
    deployment = install_mocks()
    with pytest.raises(pulumi.RunError, match=r"gpu-fleet:cluster"):
        run_program(config, monkeypatch, deployment)
    assert deployment.registrations == []


def test_a_valid_run_does_register_into_the_same_deployment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check above is not vacuous: the same recorder sees a valid program's resources."""
    deployment = install_mocks()
    run_program(LESSON1, monkeypatch, deployment)
    assert deployment.registrations != []
