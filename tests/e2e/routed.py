"""What a scheduler module's stack stands on: conftest's `routed_lab`."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lab.cluster import Cluster
from lab.tools import Engine


@dataclass(frozen=True)
class RoutedLab:
    """The session's engine and tools, the module's routed control plane and its client
    (fake-gpu-operator's commands running for it), and where to make folders."""

    engine: Engine
    binaries: dict[str, Path]
    cluster: Cluster
    api: Any
    tmp_path_factory: pytest.TempPathFactory
