"""Plain YAML values that readers of different YAML versions read differently, refused.

This program reads YAML as YAML 1.1 (PyYAML); the Pulumi engine reads stack files
with a Go reader closer to YAML 1.2. Where the two can disagree about an unquoted
value (`010`, `0x8`, `1_0`, `1:20`, `yes`, `off`, `0o10`, `1e3`, a date), the check
would validate a fleet the engine does not build, so such a value is refused with
how to write it instead. Quoted values are text to every reader and are left alone.
"""

import re
from typing import Any

import yaml

from fleet.files.files_in import BoundedLoader, RefusedValue, cut

_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG = "tag:yaml.org,2002:str"

_BOOLEANS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_FLOAT = re.compile(
    r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+][0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
# Numbers to a YAML 1.2 reader that YAML 1.1 reads as text.
_NUMBER_TO_YAML_12 = re.compile(
    r"[-+]?0o[0-7]+|[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+|[-+]?0b[01]+"
)


class ReadTwoWays(RefusedValue):
    """A plain value that YAML readers disagree about."""


class EngineLoader(BoundedLoader):
    """`BoundedLoader` that refuses plain values the Pulumi engine could read differently."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.style is None:
            problem = _two_ways(node.tag, node.value)
            if problem is not None:
                raise ReadTwoWays(None, None, problem, node.start_mark)
        return super().construct_object(node, deep=deep)


def _two_ways(tag: str, text: str) -> str | None:
    """Why YAML readers could disagree about the plain value `text` (tag as YAML 1.1 reads it)."""
    shown = cut(text)
    if tag == _BOOL_TAG and text not in _BOOLEANS:
        return (
            f"{shown} is a boolean to YAML 1.1 (this check) and text to YAML 1.2 (the Pulumi "
            f'engine): write true or false, or "{shown}" in quotes for text'
        )
    if (tag == _INT_TAG and not _DECIMAL.fullmatch(text)) or (
        tag == _FLOAT_TAG and not _FLOAT.fullmatch(text)
    ):
        return (
            f"{shown} is a number YAML readers disagree about (leading zeros, 0x, 0b, '_' and "
            "':' mean different things to YAML 1.1 and 1.2): write a plain decimal number, such "
            f'as 8 or 10, or "{shown}" in quotes for text'
        )
    if tag == _STR_TAG and _NUMBER_TO_YAML_12.fullmatch(text):
        return (
            f"{shown} is text to YAML 1.1 (this check) and a number to YAML 1.2 (the Pulumi "
            f'engine): write a plain decimal number, or "{shown}" in quotes for text'
        )
    if tag == _TIMESTAMP_TAG:
        return (
            f"{shown} is a date to YAML 1.1 (this check) and text to the Pulumi engine: "
            f'write "{shown}" in quotes'
        )
    return None
