"""Where the project's files are, for every test tier: the lab's paths and the fixtures."""

from lab.paths import LESSON1_FILE, LESSON1_OWNER, ROOT, STACK_FILES, STACKS_DIR

FIXTURES = ROOT / "tests" / "fixtures"

__all__ = ["FIXTURES", "LESSON1_FILE", "LESSON1_OWNER", "ROOT", "STACKS_DIR", "STACK_FILES"]
