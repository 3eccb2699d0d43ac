"""Drive the real Pulumi engine over this project with the Automation API.

Each stack runs in a throwaway copy of the project: `Pulumi.yaml` copied, the
program (`__main__.py`, `components/`, `fleet/`) and the virtualenv linked, and a
`stacks/` folder of its own, so the tests write no file into the checkout. State
goes to a file backend in a temporary folder; the engine gets a private
PULUMI_HOME holding the provider plugins the tier built, and may not download any.
"""

import os
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto
from pulumi.automation import events

from fleet.stack.spec import PROJECT
from lab.paths import ROOT
from lab.steps import step
from lab.tools import Engine

LINKED = ("__main__.py", "components", "fleet", "venv")


def project_copy(target: Path, copied: tuple[str, ...] = ()) -> Path:
    """A project folder that runs this checkout's program, with its own `stacks/`;
    the folders in `copied` are copies (a scenario may edit them: a program upgrade)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "Pulumi.yaml", target / "Pulumi.yaml")
    for name in LINKED:
        if name in copied:
            shutil.copytree(
                ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            (target / name).symlink_to(ROOT / name)
    (target / "stacks").mkdir()
    return target


def stack_document(config: Mapping[str, Any]) -> dict[str, Any]:
    """A stack file's content: `{cluster: ...}` becomes `config: {gpu-fleet:cluster: ...}`."""
    return {"config": {f"{PROJECT}:{key}": value for key, value in config.items()}}


@dataclass(frozen=True)
class Change:
    """One resource step the engine planned or took (`op` is create, update, delete, ...)."""

    op: str
    type: str
    name: str


@dataclass
class Run:
    """What one engine operation did: its changes (not `same`), counts and duration;
    what it printed, and every engine event it sent (as `repr`), to search for text
    that must not be there."""

    changes: list[Change] = field(default_factory=list)
    seconds: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)
    output: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def names(self, op: str, type_suffix: str = "") -> list[str]:
        return sorted(c.name for c in self.changes if c.op == op and c.type.endswith(type_suffix))


def _collector(run: Run) -> Any:
    def on_event(event: events.EngineEvent) -> None:
        run.events.append(repr(event))
        pre = event.resource_pre_event
        if pre is None:
            return
        metadata = pre.metadata
        run.counts[metadata.op.value] += 1
        if metadata.op.value in ("same", "read"):
            return
        name = metadata.urn.rsplit("::", 1)[-1]
        run.changes.append(Change(metadata.op.value, metadata.type, name))

    return on_event


def _say(line: str) -> None:
    print(f"    | {line.rstrip()}", flush=True)


def _kept(run: Run) -> Any:
    def on_output(line: str) -> None:
        run.output.append(line)
        _say(line)

    return on_output


class FleetStack:
    """One stack of the program, in its own project copy, under the real engine."""

    def __init__(
        self,
        engine: Engine,
        workdir: Path,
        name: str,
        extra_path: str = "",
        copied: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.project = project_copy(workdir / "project", copied)
        state = workdir / "state"
        state.mkdir(parents=True, exist_ok=True)
        env = engine.env()
        if extra_path:
            env["PATH"] = f"{extra_path}:{env['PATH']}"
        env["PULUMI_BACKEND_URL"] = f"file://{state}"
        self.env = env
        self.stack_file = self.project / "stacks" / f"Pulumi.{name}.yaml"
        self._engine = engine
        self._stack: auto.Stack | None = None
        self.first_up: Run | None = None

    def write_config(self, config: Mapping[str, Any]) -> Path:
        """Write the stack file (keeping the salt the engine added for secrets)."""
        document = stack_document(config)
        if self.stack_file.exists():
            old = yaml.safe_load(self.stack_file.read_text()) or {}
            if "encryptionsalt" in old:
                document["encryptionsalt"] = old["encryptionsalt"]
        self.stack_file.write_text(yaml.safe_dump(document, sort_keys=False))
        return self.stack_file

    @property
    def stack(self) -> auto.Stack:
        if self._stack is None:
            options = auto.LocalWorkspaceOptions(
                work_dir=str(self.project),
                pulumi_home=str(self._engine.pulumi_home),
                env_vars=self.env,
                pulumi_command=auto.PulumiCommand(root=str(self._engine.bin_dir.parent)),
            )
            self._stack = auto.create_or_select_stack(
                stack_name=self.name, work_dir=str(self.project), opts=options
            )
        return self._stack

    def _timed(self, what: str, call: Any, **kwargs: Any) -> Run:
        run = Run()
        with step(f"pulumi {what} ({self.name})"):
            started = time.monotonic()
            call(on_output=_kept(run), on_event=_collector(run), **kwargs)
            run.seconds = time.monotonic() - started
        summary = ", ".join(f"{op} {n}" for op, n in sorted(run.counts.items()))
        print(f"  pulumi {what}: {summary or 'nothing'} in {run.seconds:.1f}s", flush=True)
        return run

    def up(self) -> Run:
        return self._timed("up", self.stack.up, diff=True, color="never")

    def preview(self) -> Run:
        return self._timed("preview --diff", self.stack.preview, diff=True, color="never")

    def refresh(self) -> Run:
        return self._timed("refresh", self.stack.refresh, color="never")

    def destroy(self) -> Run:
        return self._timed("destroy", self.stack.destroy, color="never")

    def shell(self, command: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """A command line as a person types it, in the project folder, with the engine's
        environment (the CLI first on PATH, the stack's backend and passphrase) and the
        project's virtualenv activated, as the docs assume (`gpu-fleet` on PATH)."""
        print(f"  $ {command}", flush=True)
        env = {**os.environ, **self.env}
        env["PATH"] = f"{self.project / 'venv' / 'bin'}{os.pathsep}{env['PATH']}"
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.project,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        for line in (done.stdout + done.stderr).splitlines():
            _say(line)
        return done

    def resource_names(self) -> list[str]:
        """The names of the program's resources in the stack's state (the last part of
        each URN), without the stack's own root resource."""
        deployment = self.stack.export_stack().deployment or {}
        return [
            resource["urn"].rsplit("::", 1)[-1]
            for resource in deployment.get("resources", [])
            if resource.get("type") != "pulumi:pulumi:Stack"
        ]

    def outputs(self) -> dict[str, Any]:
        return {key: value.value for key, value in self.stack.outputs().items()}
