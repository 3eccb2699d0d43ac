"""Build the tier's binaries from the Go module proxy into a cache outside the repository.

Each binary lands at `<cache>/bin/<tool>-<version>`; one that exists is reused
("cached"), so a second run builds nothing. The pieces the proxy refuses are
probed on every run and reported as BLOCKED with the registry's own words.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from e2e.pins import BLOCKED, GOMOD_DIR, TOOLS, BlockedModule, Tool

GO_BUILD_PARALLELISM = "2"


def cache_dir() -> Path:
    """`$GPU_FLEET_E2E_CACHE`, else `${XDG_CACHE_HOME:-~/.cache}/gpu-fleet-e2e`."""
    explicit = os.environ.get("GPU_FLEET_E2E_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gpu-fleet-e2e"


def bin_dir() -> Path:
    return cache_dir() / "bin"


@dataclass(frozen=True)
class BuildResult:
    tool: Tool
    path: Path
    status: str  # "built" or "cached"
    seconds: float


class BuildError(RuntimeError):
    """A tool the tier cannot run without failed to build."""


def binary_path(tool: Tool) -> Path:
    return bin_dir() / tool.binary_name


def _go_build_command(tool: Tool, scratch: Path) -> tuple[list[str], Path]:
    """The go command that leaves the binary at `scratch/<name>`, and where to run it."""
    ldflags = " ".join(("-s", "-w", *tool.ldflags))
    flags = ["-p", GO_BUILD_PARALLELISM, "-trimpath", "-ldflags", ldflags]
    if tool.wrapper is None:
        # `go install pkg@version` builds outside any module; GOBIN is the scratch dir.
        return ["go", "install", *flags, f"{tool.package}@{tool.version}"], scratch
    output = scratch / tool.name
    return ["go", "build", *flags, "-o", str(output), tool.package], GOMOD_DIR / tool.wrapper


def ensure_tool(tool: Tool) -> BuildResult:
    """Reuse `<cache>/bin/<tool>-<version>` or build it; raise BuildError on failure."""
    target = binary_path(tool)
    if target.exists():
        return BuildResult(tool, target, "cached", 0.0)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{tool.name}-") as scratch:
        partial = Path(scratch) / tool.name
        command, cwd = _go_build_command(tool, Path(scratch))
        env = {**os.environ, "CGO_ENABLED": "0", "GOBIN": scratch, "GOFLAGS": "-buildvcs=false"}
        print(f"  building {tool.binary_name}: {shlex.join(command)}", flush=True)
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BuildError(f"go could not build {tool.binary_name}:\n{done.stderr.strip()}")
        partial.replace(target)
    return BuildResult(tool, target, "built", time.monotonic() - started)


def ensure_tools() -> dict[str, Path]:
    """Every tool of `TOOLS`, built when missing; prints one status line per tool."""
    if shutil.which("go") is None:
        raise BuildError(
            "the Go toolchain is not on PATH; the e2e tier builds its binaries with it"
        )
    paths: dict[str, Path] = {}
    for tool in TOOLS:
        result = ensure_tool(tool)
        timing = f" in {result.seconds:.0f}s" if result.status == "built" else ""
        print(f"  {result.status:6} {tool.binary_name}{timing} -> {result.path}", flush=True)
        paths[tool.name] = result.path
    return paths


@dataclass(frozen=True)
class BlockedReport:
    module: BlockedModule
    error: str  # the registry's answer, empty when the module turned out to be available


def probe_blocked(module: BlockedModule) -> BlockedReport:
    """Ask the module proxy for `module@version` (`go mod download -json`) and keep its error."""
    with tempfile.TemporaryDirectory(prefix="gpu-fleet-e2e-probe-") as scratch:
        done = subprocess.run(
            ["go", "mod", "download", "-json", f"{module.module}@{module.version}"],
            cwd=scratch,
            env={**os.environ, "GOFLAGS": "-mod=mod", "GO111MODULE": "on"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    try:
        answer = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        answer = {}
    error = str(answer.get("Error", "")) or (done.stderr.strip() if done.returncode else "")
    return BlockedReport(module, " ".join(error.split()))


def blocked_reports() -> list[BlockedReport]:
    return [probe_blocked(module) for module in BLOCKED]


def print_blocked(reports: list[BlockedReport]) -> None:
    """A loud BLOCKED line per refused piece; an available one is said to be so."""
    for report in reports:
        module = report.module
        label = f"{module.what} ({module.module}@{module.version}, for {module.needed_for})"
        if report.error:
            print(f"  BLOCKED {label}: {report.error}", flush=True)
        else:
            print(f"  AVAILABLE {label}: the proxy serves it now; the tier does not use it yet")


EXIT_BLOCKED = 3


def main(strict: bool) -> int:
    """Build or reuse every tool, then report the blocked pieces.

    Exit 1 when a buildable tool fails; with `strict`, exit 3 when any piece is blocked.
    """
    print(f"== e2e tools (cache {bin_dir()})", flush=True)
    try:
        ensure_tools()
    except BuildError as error:
        print(f"  FAILED {error}", file=sys.stderr, flush=True)
        return 1
    print("== pieces the registry refuses (the tier runs its fallback path instead)", flush=True)
    reports = blocked_reports()
    print_blocked(reports)
    if strict and any(report.error for report in reports):
        print("  strict: blocked pieces fail the tier (E2E_STRICT=1)", flush=True)
        return EXIT_BLOCKED
    return 0
