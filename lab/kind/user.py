"""A user's checkout and their `make` commands, run as the README and docs print them.

The checkout is a copy of this one (its tracked and new files, not its state, evidence
or virtualenv, which is linked), so the stacks' state, evidence and stack-file edits
stay out of the working tree. No registry is reachable, so the copy's stack file points
at the offline sources docs/stack-file.md documents (`kwok.manifests`, `operator.chart`,
`schedulerRelease.chart`), built by the tier.
"""

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fleet.stack import versions
from lab import steps
from lab.kind.tier import KindTier
from lab.paths import ROOT


@dataclass(frozen=True)
class MakeRun:
    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float


@dataclass(frozen=True)
class Checkout:
    root: Path
    tier: KindTier

    def env(self) -> dict[str, str]:
        path = os.pathsep.join([*(str(p) for p in self.tier.path), os.environ.get("PATH", "")])
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
        return {
            **env,
            "PATH": path,
            "PULUMI_HOME": str(self.tier.engine.pulumi_home),
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        }

    def make(self, *args: str) -> MakeRun:
        """`make ARGS` in the checkout; prints its output, returns it with the time taken."""
        with steps.step(f"make {' '.join(args)}"):
            started = time.monotonic()
            done = subprocess.run(
                ["make", *args],
                cwd=self.root,
                env=self.env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                check=False,
            )
            print(done.stdout[-6000:], flush=True)
        return MakeRun(args, done.returncode, done.stdout, time.monotonic() - started)

    def stack_file(self, stack: str) -> Path:
        return self.root / "stacks" / f"Pulumi.{stack}.yaml"

    def edit_stack(self, stack: str, edit: Any) -> None:
        """Apply `edit(config)` to the `config:` mapping of the stack file."""
        path = self.stack_file(stack)
        document = yaml.safe_load(path.read_text())
        edit(document["config"])
        path.write_text(yaml.safe_dump(document, sort_keys=False))


def copy_checkout(target: Path, tier: KindTier) -> Checkout:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if not name or not source.is_file():
            continue
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)  # mtimes kept: make sees the venv as up to date
    (target / "venv").symlink_to(ROOT / "venv")
    return Checkout(target, tier)


def use_offline_sources(checkout: Checkout, stack: str) -> None:
    """KWOK's manifests, the operator's chart and the scheduler's chart from the tier's
    cache, as docs/stack-file.md's offline settings say."""

    def edit(config: dict[str, Any]) -> None:
        kwok = config.setdefault("gpu-fleet:kwok", {})
        kwok["manifests"] = [str(path) for path in checkout.tier.kwok_manifests]
        operator = config.setdefault("gpu-fleet:operator", {})
        version = operator.get("version", versions.OPERATOR_VERSION)
        operator["chart"] = str(checkout.tier.charts[version])
        scheduler = config.get("gpu-fleet:scheduler", "default")
        if scheduler != "default":
            release = config.setdefault("gpu-fleet:schedulerRelease", {})
            release["chart"] = str(checkout.tier.scheduler_charts[scheduler])

    checkout.edit_stack(stack, edit)


def offline_checkout(target: Path, tier: KindTier, stack: str) -> Checkout:
    """A copy of this checkout at `target` whose `stack` uses the tier's offline sources."""
    checkout = copy_checkout(target, tier)
    use_offline_sources(checkout, stack)
    return checkout
