import pytest

from fleet.stack.load import load_stack_file
from fleet.stack.spec import FleetSpec
from tests.paths import LESSON1_FILE


@pytest.fixture
def lesson1() -> FleetSpec:
    return load_stack_file(LESSON1_FILE)
