"""Every object `fleet manifests` prints validates against the pinned Kubernetes schema."""

import functools
from pathlib import Path

import kubernetes_validate
import kubernetes_validate.utils
import pytest

from fleet.render.objects import stack_objects
from fleet.stack import versions
from fleet.stack.load import load_stack_file
from fleet.stack.owner import owner_of_stack_file
from tests.paths import STACK_FILES


@pytest.fixture(autouse=True)
def _cached_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    """kubernetes-validate re-reads its schema files on every call; read each once."""
    cached = functools.cache(kubernetes_validate.utils.schema_contents)
    monkeypatch.setattr(kubernetes_validate.utils, "schema_contents", cached)


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda path: path.stem)
def test_every_manifest_matches_the_schema(stack_file: Path) -> None:
    objects = list(stack_objects(load_stack_file(stack_file), owner_of_stack_file(stack_file)))
    assert objects
    for obj in objects:
        checked = kubernetes_validate.validate(obj, versions.KUBERNETES_VERSION, strict=True)
        assert checked == "1.36", obj["metadata"]["name"]


def test_schema_check_catches_a_bad_node() -> None:
    """The check is not vacuous: a node with a misspelt field fails strict validation."""
    node = next(
        iter(stack_objects(load_stack_file(STACK_FILES[0]), owner_of_stack_file(STACK_FILES[0])))
    )
    node["spec"]["taint"] = node["spec"].pop("taints")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(node, versions.KUBERNETES_VERSION, strict=True)
