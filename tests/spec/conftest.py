from pathlib import Path

import pytest

from fleet.spec import FleetSpec
from fleet.stackfile import load_stack_file

ROOT = Path(__file__).resolve().parents[2]
STACKS_DIR = ROOT / "stacks"
STACK_FILES = sorted(STACKS_DIR.glob("Pulumi.*.yaml"))


@pytest.fixture
def lesson1() -> FleetSpec:
    return load_stack_file(STACKS_DIR / "Pulumi.lesson1.yaml")
