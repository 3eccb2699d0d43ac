"""The autoscaled pools' Karpenter templates under the Pulumi mocks: sent as rendered, after
the operator, one after another, and nothing of the kind for a fleet of fixed pools."""

import itertools

from fleet.autoscale.objects import autoscale_objects
from fleet.stack.load import load_stack_file
from lab.mocks import MOCK_OWNER, Deploy, Deployment, stack
from tests.paths import ROOT

EXAMPLE = ROOT / "examples" / "Pulumi.autoscale.yaml"
COMPONENT = "gpu-fleet:index:Autoscaler"
NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS = "kubernetes:karpenter.kwok.sh/v1alpha1:KWOKNodeClass"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"


def deployed(deploy: Deploy) -> Deployment:
    return deploy(load_stack_file(EXAMPLE))


def test_the_templates_are_sent_as_rendered(deploy: Deploy) -> None:
    deployment = deployed(deploy)
    (component,) = deployment.of_type(COMPONENT)
    children = deployment.children_of(component)
    expected = list(autoscale_objects(load_stack_file(EXAMPLE), MOCK_OWNER))
    assert [child.inputs for child in children] == expected
    assert [child.type for child in children] == [CONFIG_MAP, NODE_CLASS, NODE_POOL]
    assert all(child.custom for child in children)


def test_each_template_follows_the_one_before_and_the_first_the_operator(deploy: Deploy) -> None:
    deployment = deployed(deploy)
    (component,) = deployment.of_type(COMPONENT)
    (release,) = deployment.of_type("kubernetes:helm.sh/v3:Release")
    assert release.urn in component.dependencies
    children = deployment.children_of(component)
    for before, after in itertools.pairwise(children):
        assert before.urn in after.dependencies


def test_the_fixed_nodes_are_the_min_and_karpenters_are_no_resources(deploy: Deploy) -> None:
    nodes = deployed(deploy).of_type("kubernetes:core/v1:Node")
    assert sorted(node.name for node in nodes) == [
        "kwok-gpu-a100-0",
        "kwok-gpu-a100-1",
        "kwok-gpu-h100-0",
    ]


def test_a_fleet_of_fixed_pools_has_no_autoscaler(deploy: Deploy) -> None:
    deployment = deploy(stack("lesson1"))
    assert deployment.of_type(COMPONENT) == []
    assert deployment.of_type(NODE_POOL) == []
