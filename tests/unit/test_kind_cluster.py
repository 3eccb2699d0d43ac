"""The kind cluster component and the provider bound to it."""

import pulumi
import pytest
import yaml

from components.kind_cluster import KindCluster, KindClusterArgs
from fleet.heartbeat.sizing import DEFAULT_WRITES_PER_SECOND, derive
from fleet.stack.spec import KindClusterSpec
from lab.mocks import Deploy, Deployment, is_secret, spec_from, stack

EXISTING = {
    "cluster": {"mode": "existing", "context": "rehearsal", "allowFakeNodes": True},
    "pools": {"a100": {"nodes": 1, "gpusPerNode": 8, "product": "NVIDIA-A100-SXM4-80GB"}},
}


def test_kind_command_creates_and_deletes_the_named_cluster(deploy: Deploy) -> None:
    command = deploy(stack("lesson1")).of_type("command:local:Command")[0]
    assert command.inputs["create"].startswith("kind create cluster")
    assert "kind get kubeconfig" in command.inputs["create"]
    assert command.inputs["delete"].startswith("kind delete cluster")
    assert command.inputs["environment"] == {
        "KIND_CLUSTER": "ai-factory-lab",
        "KIND_NODE_IMAGE": "kindest/node:v1.36.1",
    }


def test_kind_config_has_a_system_worker(deploy: Deploy) -> None:
    command = deploy(stack("lesson1")).of_type("command:local:Command")[0]
    config = yaml.safe_load(command.inputs["stdin"])
    assert [node["role"] for node in config["nodes"]] == ["control-plane", "worker"]
    assert config["nodes"][1]["labels"] == {"node-purpose": "system"}


def test_kubelet_is_told_to_run_on_cgroup_v1_hosts(deploy: Deploy) -> None:
    command = deploy(stack("lesson1")).of_type("command:local:Command")[0]
    config = yaml.safe_load(command.inputs["stdin"])
    patches = [yaml.safe_load(patch) for patch in config["kubeadmConfigPatches"]]
    assert patches == [{"kind": "KubeletConfiguration", "failCgroupV1": False}]


def test_a_change_of_the_cluster_deletes_it_before_creating_the_new_one(deploy: Deploy) -> None:
    command = deploy(stack("lesson1")).of_type("command:local:Command")[0]
    assert command.delete_before_replace
    # The Command SDK adds `triggers[*]` to every Command's list itself.
    assert sorted(command.replace_on_changes) == ["create", "environment", "stdin", "triggers[*]"]


def test_other_changes_update_in_place_by_reading_the_kubeconfig_again(deploy: Deploy) -> None:
    """What is logged or how the cluster is deleted is no reason to replace it (an
    existing stack's cluster stays when those inputs change); an update only reads the
    kubeconfig again, and creates nothing."""
    command = deploy(stack("lesson1")).of_type("command:local:Command")[0]
    assert command.inputs["update"] == 'kind get kubeconfig --name "$KIND_CLUSTER"'
    for key in ("update", "delete", "logging", "addPreviousOutputInEnv"):
        assert key in command.inputs
        assert key not in command.replace_on_changes


def test_the_kubeconfig_is_never_logged_nor_handed_to_the_next_command(deploy: Deploy) -> None:
    """The provider logs stdout (the kubeconfig, client key included) to the engine's
    output unless told not to, secret or not, and gives it to the delete command as
    PULUMI_COMMAND_STDOUT unless told not to: only kind's stderr is logged."""
    command = deploy(stack("lesson1")).of_type("command:local:Command")[0]
    assert command.inputs["logging"] == "stderr"
    assert command.inputs["addPreviousOutputInEnv"] is False


def test_the_kubeconfig_is_a_secret(deploy: Deploy) -> None:
    command = deploy(stack("lesson1")).of_type("command:local:Command")[0]
    assert command.additional_secret_outputs == ["stdout"]


@pulumi.runtime.test
def test_the_kubeconfig_output_is_secret_and_is_kinds_stdout(
    recorded: Deployment,
) -> pulumi.Output[None]:
    cluster = KindCluster(
        "c",
        KindClusterArgs(
            KindClusterSpec(mode="kind", name="lab", nodeImage="kindest/node:v1.36.1"),
            derive(5, DEFAULT_WRITES_PER_SECOND),
        ),
    )

    def check(args: list[object]) -> None:
        is_secret, text = args
        assert is_secret is True
        assert isinstance(text, str)
        assert text.startswith("apiVersion: v1")

    secret = is_secret(cluster.kubeconfig)
    return pulumi.Output.all(secret, cluster.kubeconfig).apply(check)


def test_provider_has_a_stable_identity_and_kinds_kubeconfig(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1"))
    (provider,) = deployment.of_type("pulumi:providers:kubernetes")
    command = deployment.of_type("command:local:Command")[0]
    # Without it, any change to the kind command would plan replacing every object.
    assert provider.inputs["clusterIdentifier"] == "kind-ai-factory-lab"
    assert command.urn in provider.dependencies


def test_server_side_applies_are_forced_on_kind_and_existing_clusters(deploy: Deploy) -> None:
    """Else an update of a node stops on kube-controller-manager's ttl annotation."""
    existing = {
        "mode": "existing",
        "kubeconfig": "/k",
        "context": "c",
        "allowFakeNodes": True,
    }
    config = stack("lesson1").model_dump(by_alias=True, exclude_none=True)
    for spec in (stack("lesson1"), spec_from({**config, "cluster": existing})):
        (provider,) = deploy(spec).of_type("pulumi:providers:kubernetes")
        assert provider.inputs["enablePatchForce"] == "true"


def test_every_kubernetes_object_uses_the_fleet_provider(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1"))
    (provider,) = deployment.of_type("pulumi:providers:kubernetes")
    objects = [r for r in deployment.registrations if r.type.startswith("kubernetes:")]
    assert objects
    assert all(r.provider == f"{provider.urn}::{provider.name}-id" for r in objects)


def test_existing_cluster_uses_the_context_and_creates_no_kind(deploy: Deploy) -> None:
    deployment = deploy(spec_from(EXISTING))
    assert deployment.of_type("command:local:Command") == []
    assert deployment.of_type("gpu-fleet:index:KindCluster") == []
    (provider,) = deployment.of_type("pulumi:providers:kubernetes")
    assert provider.inputs["context"] == "rehearsal"
    assert provider.inputs["clusterIdentifier"] == "existing-rehearsal"


def test_only_the_scheduler_client_limits_add_a_kubeadm_patch(
    deploy: Deploy,
) -> None:
    """Without `scheduler` the config holds only the cgroup v1 patch every cluster gets
    (a config change replaces existing kind clusters); with it, one patch more."""
    command = deploy(stack("lesson1")).of_type("command:local:Command")[0]
    (cgroup,) = yaml.safe_load(command.inputs["stdin"])["kubeadmConfigPatches"]
    assert yaml.safe_load(cgroup)["kind"] == "KubeletConfiguration"
    config = stack("lesson1").model_dump(by_alias=True, exclude_none=True)
    config["cluster"]["scheduler"] = {"kubeApiQps": 1000, "kubeApiBurst": 2000}
    command = deploy(spec_from(config)).of_type("command:local:Command")[0]
    (kept, patch) = yaml.safe_load(command.inputs["stdin"])["kubeadmConfigPatches"]
    assert kept == cgroup
    cluster_configuration = yaml.safe_load(patch)
    assert cluster_configuration["apiVersion"] == "kubeadm.k8s.io/v1beta4"
    assert cluster_configuration["kind"] == "ClusterConfiguration"
    assert cluster_configuration["scheduler"]["extraArgs"] == [
        {"name": "kube-api-qps", "value": "1000"},
        {"name": "kube-api-burst", "value": "2000"},
    ]


def test_scheduler_client_settings_are_reported_per_stack() -> None:
    assert stack("lesson1").cluster.scheduler_client == (
        "kube-api-qps 50, kube-api-burst 100 (kube-scheduler's defaults)"
    )
    assert stack("existing").cluster.scheduler_client == (
        "the cluster's own (not set by this program)"
    )
    config = stack("lesson1").model_dump(by_alias=True, exclude_none=True)
    config["cluster"]["scheduler"] = {"kubeApiQps": 1000}
    assert spec_from(config).cluster.scheduler_client == "kube-api-qps 1000, kube-api-burst 100"


def test_no_component_registers_the_kubeconfig_as_an_output(
    deploy: Deploy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Python SDK (3.259.0) sends every registered output, secret or not, in clear to
    the engine's debug log ("register resource outputs prepared: ..."), which `pulumi up
    --debug` prints and the event log keeps: the components keep it an attribute."""
    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "debug", lambda message, *_, **__: logged.append(message))
    deploy(stack("lesson1"))
    registered = [m for m in logged if m.startswith("register resource outputs prepared")]
    assert any("gpu-fleet:index:KindCluster" in m for m in registered)
    assert any("gpu-fleet:index:GpuFleet" in m for m in registered)
    assert not [m for m in logged if "kind: Config" in m]
