"""Write stack files: a new kind stack from pools, or one pool into an existing stack."""

import re
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from fleet.files import files_in
from fleet.imports.pools import InputError, check_pools
from fleet.stack import versions
from fleet.stack.load import parse_fleet, project_config
from fleet.stack.spec import EXPORTER_PER_NODE, MAX_PER_NODE_RESOURCES, PROJECT, OperatorSpec

# Pulumi's rule for a stack name (without an organisation or project).
STACK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
COMMENT_WIDTH = 86


def stack_path(stacks_dir: str | Path, stack: str) -> Path:
    if not STACK_NAME.fullmatch(stack):
        raise InputError(
            f"stack name {stack!r}",
            ["may only contain letters, digits, '-', '_' and '.' (at most 100 characters)"],
        )
    return Path(stacks_dir) / f"Pulumi.{stack}.yaml"


def default_cluster_name(stack: str) -> str:
    """`gpu-fleet-<stack>`, made a DNS label (kind cluster names must be one)."""
    name = re.sub(r"[^a-z0-9-]+", "-", f"gpu-fleet-{stack.lower()}")
    return name[:63].strip("-")


def new_kind_stack(
    path: Path, cluster_name: str, pools: Mapping[str, Any], header: list[str]
) -> str:
    """The text of a stack file for `pools` on a new kind cluster, validated.

    `header` is paragraphs for the comment at the top of the file.

    A fleet too large for the default operator's exporter-per-node layout gets
    the first operator version with a shared exporter, and one too large for a
    resource per node gets `nodeResources: perPool`, each with a comment saying why.
    """
    source = str(path)
    config: dict[str, Any] = {"cluster": {"mode": "kind", "name": cluster_name}, "pools": pools}
    comments = list(header)
    nodes = check_pools(pools, source).total_nodes
    if not OperatorSpec().exporters_fit(nodes):
        shared = versions.OPERATOR_SHARED_EXPORTER_VERSION
        config["operator"] = {"version": shared}
        comments.append(
            f"Operator {shared}: the default {versions.OPERATOR_VERSION} {EXPORTER_PER_NODE}, "
            f"too few for {nodes} fake nodes; {shared} runs one exporter for all of them."
        )
    if nodes > MAX_PER_NODE_RESOURCES:
        config["nodeResources"] = "perPool"
        comments.append(
            f"nodeResources perPool: {nodes} fake nodes are more than the {MAX_PER_NODE_RESOURCES} "
            "a Pulumi resource per node allows; each pool is one resource instead."
        )
    parse_fleet(config, source)
    document = {"config": {f"{PROJECT}:{key}": value for key, value in config.items()}}
    lines = [
        line
        for paragraph in comments
        for line in textwrap.wrap(
            paragraph, COMMENT_WIDTH, break_on_hyphens=False, break_long_words=False
        )
    ]
    text = "".join(f"# {line}\n" for line in lines)
    return text + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def pool_yaml(name: str, pool: Mapping[str, Any], comment: str | None = None) -> str:
    """A pool declaration as YAML, as it sits under `gpu-fleet:pools`."""
    text = yaml.safe_dump({name: dict(pool)}, sort_keys=False, allow_unicode=True)
    if comment is None:
        return text
    first, rest = text.split("\n", 1)
    return f"{first}  # {comment}\n{rest}"


def with_pool(
    text: str, source: str, name: str, pool: Mapping[str, Any], comment: str | None = None
) -> str:
    """`text` with pool `name` appended to its pools, or in place of the pool of that name.

    The text is edited rather than re-dumped, so that everything else in the
    file (comments included) stays as it was. The edit is checked by parsing,
    and the fleet it makes is validated.
    """
    pools_key, pools = _pools_node(text, source)
    indent = " " * pools.value[0][0].start_mark.column
    block = "".join(f"{indent}{line}\n" for line in pool_yaml(name, pool, comment).splitlines())
    start = end = _line_end(text, _content_end(pools))
    for key, value in pools.value:
        if key.value == name:
            start = text.rfind("\n", 0, key.start_mark.index) + 1
            end = _line_end(text, _content_end(value))
    before = text[:start] if start == 0 or text[:start].endswith("\n") else text[:start] + "\n"
    edited = before + block + text[end:]

    expected = files_in.load_yaml(text, source)
    expected["config"][pools_key][name] = dict(pool)
    try:
        document = files_in.load_yaml(edited, source)
    except files_in.FileProblem:
        document = None
    if document != expected:
        raise InputError(
            source,
            [
                f"cannot add the pool without rewriting {pools_key} (anchors or aliases in it?); "
                f"add it by hand:\n{block}",
            ],
        )
    where = f"{source} with pool {name!r}"
    parse_fleet(project_config(document["config"], where), where)
    return edited


def _pools_node(text: str, source: str) -> tuple[str, yaml.MappingNode]:
    """The pools of a valid stack file's text as a node, and their key."""
    config = _entry(yaml.compose(text, Loader=files_in.BoundedLoader), ("config",))
    pools = _entry(config[1] if config else None, (f"{PROJECT}:pools", "pools"))
    if pools is None:
        raise InputError(source, [f"has no {PROJECT}:pools to add a pool to"])
    key, node = pools
    if not isinstance(node, yaml.MappingNode) or not node.value or node.flow_style:
        raise InputError(
            source, [f"{key} must be a block mapping (one indented block per pool) to add a pool"]
        )
    return key, node


def _entry(node: yaml.Node | None, keys: tuple[str, ...]) -> tuple[str, yaml.Node] | None:
    """The last entry of a mapping node whose key is one of `keys` (the last wins, as in a load)."""
    found = None
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value in keys:
                found = (str(key.value), value)
    return found


def _content_end(node: yaml.Node) -> int:
    """Where the last scalar (or flow collection) of a node ends in the text.

    A block collection's own end mark is the start of whatever follows it,
    which may be comments that belong to the next key.
    """
    if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
        return _content_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        return _content_end(node.value[-1])
    return int(node.end_mark.index)


def _line_end(text: str, index: int) -> int:
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1
