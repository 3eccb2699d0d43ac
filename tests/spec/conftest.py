from pathlib import Path

import pytest

from fleet.stack.load import load_stack_file
from fleet.stack.spec import FleetSpec

ROOT = Path(__file__).resolve().parents[2]
STACKS_DIR = ROOT / "stacks"
STACK_FILES = sorted(STACKS_DIR.glob("Pulumi.*.yaml"))


@pytest.fixture
def lesson1() -> FleetSpec:
    return load_stack_file(STACKS_DIR / "Pulumi.lesson1.yaml")
