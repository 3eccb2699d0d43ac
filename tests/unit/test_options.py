"""Options given to a component reach the resources under it, merged, not rebuilt."""

import pulumi
import pulumi_command

from components.gpu_fleet import GpuFleet
from components.options import child_options, next_in_sequence
from lab.mocks import Deployment, install_mocks, stack

FLEET = "gpu-fleet:index:GpuFleet"
NODE = "kubernetes:core/v1:Node"
RELEASE = "kubernetes:helm.sh/v3:Release"


def deploy_with(opts: pulumi.ResourceOptions, before: bool = False) -> Deployment:
    """Registers the lesson-1 fleet with `opts` (after a command named `before`, if asked)."""
    deployment = install_mocks()

    @pulumi.runtime.test
    def program() -> pulumi.Output[str]:
        fleet_opts = opts
        if before:
            first = pulumi_command.local.Command("before", create="true")
            fleet_opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(depends_on=[first])
            )
        return GpuFleet("gpu-fleet", stack("lesson1"), fleet_opts).urn

    program()
    return deployment


def test_protect_retain_on_delete_and_timeouts_reach_every_resource() -> None:
    timeouts = pulumi.CustomTimeouts(create="7m", delete="3m")
    deployment = deploy_with(
        pulumi.ResourceOptions(protect=True, retain_on_delete=True, custom_timeouts=timeouts)
    )
    fleet = deployment.of_type(FLEET)[0]
    under = [r for r in deployment.registrations if r is not fleet]
    assert len(under) > 20
    assert all(r.protect for r in under)
    assert all(r.retain_on_delete for r in under)
    assert all(r.custom_timeouts == ("7m", "", "3m") for r in under)


def test_ignore_changes_reach_the_children_and_nodes_still_ignore_their_status() -> None:
    deployment = deploy_with(pulumi.ResourceOptions(ignore_changes=["metadata.annotations"]))
    assert all(
        node.ignore_changes == ["metadata.annotations", "status"]
        for node in deployment.of_type(NODE)
    )
    (release,) = deployment.of_type(RELEASE)
    assert release.ignore_changes == ["metadata.annotations"]


def test_what_the_fleet_depends_on_comes_before_everything_under_it() -> None:
    deployment = deploy_with(pulumi.ResourceOptions(), before=True)
    before = deployment.named("before")
    nodes = deployment.of_type(NODE)
    assert nodes
    assert all(before.urn in node.dependencies for node in nodes)
    (release,) = deployment.of_type(RELEASE)
    assert before.urn in release.dependencies


def test_options_that_name_the_component_stay_with_it() -> None:
    install_mocks()

    @pulumi.runtime.test
    def program() -> None:
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        given = pulumi.ResourceOptions(
            aliases=[pulumi.Alias(name="old-parent")],
            import_="imported-id",
            protect=True,
            transformations=[lambda args: None],
        )
        child = child_options(parent, given)
        assert (child.aliases, child.import_, child.transformations) == (None, None, None)
        assert child.parent is parent
        assert child.protect is True
        assert given.aliases
        assert given.import_ == "imported-id"

    program()


def test_a_sequence_follows_the_component_then_each_previous_child() -> None:
    install_mocks()

    @pulumi.runtime.test
    def program() -> None:
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        after = pulumi.ComponentResource("test:index:Other", "other")
        given = pulumi.ResourceOptions(depends_on=[after], retain_on_delete=True)
        first = next_in_sequence(parent, given, None)
        later = next_in_sequence(parent, given, after)
        assert first.depends_on == [after]
        assert later.depends_on == [after]
        assert later.retain_on_delete is True

    program()
