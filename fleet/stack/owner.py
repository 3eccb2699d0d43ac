"""Which stack owns a fake node: the Pulumi project and stack, as one label value.

Every fake node carries its owner (`gpu-fleet.dev/stack`) and pool (`gpu-fleet.dev/pool`)
as labels, so that a pool finds its own nodes by a label selector and refuses to
touch a node another stack (or nobody) owns. The program takes the identity from
the Pulumi runtime; the CLI from the stack file's name (`Pulumi.<stack>.yaml`).
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from fleet.stack.spec import PROJECT

# A label value: at most 63 characters, alphanumerics and -_. inside, alphanumeric ends.
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_DIGEST_CHARS = 10


@dataclass(frozen=True)
class StackOwner:
    project: str
    stack: str

    @property
    def label(self) -> str:
        """`<project>.<stack>`; when that is no valid label value (too long, odd
        characters), its readable part cut short plus a digest of the whole."""
        whole = f"{self.project}.{self.stack}"
        if _LABEL_VALUE.match(whole):
            return whole
        digest = hashlib.sha256(whole.encode()).hexdigest()[:_DIGEST_CHARS]
        readable = re.sub(r"[^-A-Za-z0-9_.]", "-", whole)[: 62 - _DIGEST_CHARS].strip("-_.")
        return f"{readable}-{digest}" if readable else digest


def owner_of_stack_file(path: str | Path) -> StackOwner:
    """The owner a stack file's nodes get: `Pulumi.lesson1.yaml` -> gpu-fleet.lesson1."""
    name = Path(path).name
    stack = name.removeprefix("Pulumi.").removesuffix(".yaml").removesuffix(".yml")
    return StackOwner(PROJECT, stack)
