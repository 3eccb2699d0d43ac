"""The Pulumi project this package belongs to: where its stack files live.

`pulumi up` finds a stack's file through `stackConfigDir` of `Pulumi.yaml`;
the CLI's defaults and the program's messages use the same folder.
"""

import os
from pathlib import Path

from fleet.files import files_in

PROJECT_DIR = Path(__file__).resolve().parents[2]


def stack_config_dir(project_dir: Path | None = None) -> Path:
    """`stackConfigDir` of the project's Pulumi.yaml (default: the project folder itself)."""
    project_dir = project_dir or PROJECT_DIR
    path = project_dir / "Pulumi.yaml"
    document = files_in.read_yaml(path)
    folder = document.get("stackConfigDir", ".") if isinstance(document, dict) else None
    if not isinstance(folder, str) or not folder:
        raise files_in.FileProblem(str(path), "stackConfigDir: must be a folder name")
    return project_dir / folder


def default_stacks_dir(project_dir: Path | None = None) -> str:
    """The stack folder as a path from the current folder, for defaults and messages."""
    return os.path.relpath(stack_config_dir(project_dir))


def stack_file(stack: str, project_dir: Path | None = None) -> str:
    """The stack's file in `project_dir` (default: the project this package belongs to)."""
    return os.path.join(default_stacks_dir(project_dir), f"Pulumi.{stack}.yaml")
