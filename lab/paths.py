"""Where the project's files are, for the lab, the test tiers and the benchmarks."""

from pathlib import Path

from fleet.stack.owner import StackOwner

ROOT = Path(__file__).resolve().parents[1]
STACKS_DIR = ROOT / "stacks"
STACK_FILES = sorted(STACKS_DIR.glob("Pulumi.*.yaml"))
LESSON1_FILE = STACKS_DIR / "Pulumi.lesson1.yaml"
# The owner `fleet manifests` labels the lesson-1 stack file's nodes with.
LESSON1_OWNER = StackOwner("gpu-fleet", "lesson1")
