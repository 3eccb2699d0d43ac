"""A newcomer's first run, on the routes this machine can take (docs/quickstart.md).

A clone of this checkout's HEAD with no source trees beside it (no `../shared`), a PATH
without Go or Pulumi, and the tools cache warm: `make demo` makes its virtualenv, takes
every tool from the cache, prints its PASS and leaves `git status` clean; with the
user's own Pulumi CLI of the pinned version on PATH it uses that one; the quick start's
`make stack`, `make preview` and `make report` leave the stack file as it is. The
download routes (Pulumi's release archive, the engine's own plugin acquisition) run
against STAND-IN servers on 127.0.0.1 that serve the release servers' layout; the offline
route (source trees named by GPU_FLEET_UPSTREAM) builds into an empty cache. No test here
reaches beyond 127.0.0.1 and the package registries: the download settings point at a
closed port.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from fleet.stack.versions import OPERATOR_VERSION
from lab import charts, installed, public, steps, tools
from lab.demo import DEMO_TOOLS
from lab.dynamic_provider import PLUGIN, ensure_dynamic_provider_plugin
from lab.paths import ROOT
from lab.pins import (
    COMMAND_PROVIDER,
    EXEC_SHIM,
    LANGUAGE_HOST,
    OPERATOR_TOOLS,
    PULUMI_CLI,
    PULUMI_TAG,
)

pytestmark = pytest.mark.e2e

PASSED = "make demo: 32 Running / 11 Pending, every report row PASS"
# Any download a test did not mean to make fails at once, on this machine.
NOWHERE = "http://127.0.0.1:9/"


def _engine_dir() -> Path:
    return tools.cache_dir() / f"pulumi-{PULUMI_TAG}" / "bin"


@pytest.fixture(scope="module")
def warm() -> tools.Engine:
    """A cache holding every tool and the chart the demo needs (made offline, as the tier
    runs, where they are missing)."""
    with steps.step("tools: the demo's, the engine, the operator chart"):
        engine = tools.ensure_engine(tools.ensure_tools(DEMO_TOOLS))
        ensure_dynamic_provider_plugin(engine)
        charts.operator_chart(OPERATOR_VERSION)
    assert engine.bin_dir == _engine_dir(), "the cache's engine, not a user's"
    return engine


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory, warm: tools.Engine) -> Path:
    work = tmp_path_factory.mktemp("newcomer")
    target = work / "gpu-fleet"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    assert not (work / "shared").exists()
    return target


def _newcomer_env(path: list[Path]) -> dict[str, str]:
    """The environment of a shell without Go, Pulumi or source trees, online (not CI)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PULUMI_", "GPU_FLEET_", "VIRTUAL_ENV", "MAKE"))
        and key not in ("CI", "KUBECONFIG")
    }
    env["PATH"] = os.pathsep.join(str(p) for p in [*path, Path(sys.base_prefix) / "bin"])
    env["PATH"] += f"{os.pathsep}/usr/bin{os.pathsep}/bin"
    env["GPU_FLEET_E2E_CACHE"] = str(tools.cache_dir())
    env["GPU_FLEET_PULUMI_RELEASES"] = NOWHERE
    env["GPU_FLEET_PLUGIN_SERVER"] = NOWHERE
    env["GPU_FLEET_OPERATOR_CHART_REPO"] = NOWHERE
    return env


def _make(
    clone: Path, env: dict[str, str], *args: str, timeout: float = 1200
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _git_status(clone: Path) -> str:
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _tool_lines(output: str) -> list[str]:
    """The status line of each tool: `  <route> <name>-<version> ... -> <path>`."""
    routes = ("installed", "cached", "downloaded", "built")
    return [line.strip() for line in output.splitlines() if line.strip().startswith(routes)]


def test_a_clone_without_source_trees_runs_the_demo_from_the_warm_cache(clone: Path) -> None:
    """Also without the dynamic provider's plugin script, which only the e2e tier used to
    write (the demo needs it for lesson 1's pools): the demo writes it itself."""
    (_engine_dir() / PLUGIN).unlink(missing_ok=True)
    env = _newcomer_env([])
    assert shutil.which("go", path=env["PATH"]) is None
    assert shutil.which("pulumi", path=env["PATH"]) is None
    done = _make(clone, env, "demo")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert PASSED in done.stdout
    lines = _tool_lines(done.stdout)
    assert len(lines) == len(DEMO_TOOLS), lines
    assert all(line.startswith("cached") for line in lines), lines
    assert f"Pulumi CLI {_engine_dir() / 'pulumi'} (the lab's, in the cache)" in done.stdout
    assert "source tree" not in output
    assert "could not" not in output
    assert (_engine_dir() / PLUGIN).is_file()
    assert _git_status(clone) == ""


@pytest.fixture(scope="module")
def user_pulumi(tmp_path_factory: pytest.TempPathFactory, warm: tools.Engine) -> Path:
    """A user's install of the pinned Pulumi CLI: the CLI, the language host, its exec
    shim and the dynamic provider's plugin side by side in a folder of their own (copies
    of the cache's, outside it; the last a script standing in for the bundled one)."""
    folder = tmp_path_factory.mktemp("user-pulumi") / "bin"
    folder.mkdir()
    for name in ("pulumi", LANGUAGE_HOST.name, EXEC_SHIM, PLUGIN):
        shutil.copy2(_engine_dir() / name, folder / name)
    return folder


def test_the_users_own_pulumi_on_path_is_used(clone: Path, user_pulumi: Path) -> None:
    done = _make(clone, _newcomer_env([user_pulumi]), "demo")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert PASSED in done.stdout
    lines = _tool_lines(done.stdout)
    assert (
        f"installed {PULUMI_CLI.binary_name} (yours, the pinned version) -> "
        + str(user_pulumi / "pulumi")
        in lines
    )
    assert f"Pulumi CLI {user_pulumi / 'pulumi'} (yours, the pinned version)" in done.stdout
    assert _git_status(clone) == ""


def test_the_quick_start_leaves_the_checkout_clean(
    clone: Path, user_pulumi: Path, tmp_path: Path
) -> None:
    """`make stack`, `make preview` and `make report` of lesson 1 under the real engine:
    its salt goes to the copy kept with the state, the report to reports/."""
    home = tmp_path / "pulumi-home"
    home.mkdir()
    (home / "plugins").symlink_to(tools.pulumi_home() / "plugins")
    env = _newcomer_env([user_pulumi]) | {
        "PULUMI_HOME": str(home),
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
    tracked = (clone / "stacks" / "Pulumi.lesson1.yaml").read_text()
    for target in ("stack", "preview", "report"):
        done = _make(clone, env, target, "STACK=lesson1", timeout=600)
        assert done.returncode == 0, (target, (done.stdout + done.stderr)[-4000:])
    assert (clone / "stacks" / "Pulumi.lesson1.yaml").read_text() == tracked
    copy = clone / ".pulumi-state" / "project" / "stacks" / "Pulumi.lesson1.yaml"
    assert "encryptionsalt: v1:" in copy.read_text()
    assert (clone / "reports" / "lesson1.html").is_file()
    assert _git_status(clone) == ""


class _StandIn(BaseHTTPRequestHandler):
    """A STAND-IN for Pulumi's download servers: GET <prefix>/<file name> answers the file
    (the release archive and its checksums file, a plugin's archive), as the release
    servers lay them out; every path asked is recorded."""

    files: ClassVar[dict[str, bytes]] = {}
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        body = self.files.get(self.path.rsplit("/", 1)[-1])
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: object) -> None:
        pass


def _archive(files: dict[str, Path]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, path in files.items():
            tar.add(path, arcname=name)
    return buffer.getvalue()


@pytest.fixture
def stand_in(warm: tools.Engine) -> Iterator[str]:
    """Pulumi's release archive made of the cache's CLI, language host and exec shim, its
    checksums file, and the command provider's plugin archive, on 127.0.0.1."""
    arch = {"x86_64": "amd64", "aarch64": "arm64"}[os.uname().machine]
    release = f"pulumi-{PULUMI_TAG}-{public._release_platform()}.tar.gz"
    archive = _archive({f"pulumi/{name}": _engine_dir() / name for name in public.RELEASE_FILES})
    sums = f"{hashlib.sha256(archive).hexdigest()}  {release}\n".encode()
    command = installed.plugin_dir(tools.pulumi_home(), COMMAND_PROVIDER) / COMMAND_PROVIDER.name
    _StandIn.files = {
        release: archive,
        f"pulumi-{PULUMI_TAG.removeprefix('v')}-checksums.txt": sums,
        f"pulumi-resource-command-v{COMMAND_PROVIDER.version}-linux-{arch}.tar.gz": _archive(
            {COMMAND_PROVIDER.name: command}
        ),
    }
    _StandIn.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_engine_and_its_plugin_are_downloaded_from_stand_in_servers(
    stand_in: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An empty cache, online: the CLI, language host and exec shim from the release
    archive, the command provider by `pulumi plugin install resource command 1.2.1
    --server <stand-in>` run by that CLI, which then lists the plugin."""
    monkeypatch.setenv("GPU_FLEET_E2E_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GPU_FLEET_UPSTREAM", "")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("GPU_FLEET_PULUMI_RELEASES", f"{stand_in}/releases/sdk")
    monkeypatch.setenv("GPU_FLEET_PLUGIN_SERVER", f"{stand_in}/releases/plugins")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "users-pulumi-home"))
    paths = tools.ensure_tools((PULUMI_CLI, LANGUAGE_HOST, COMMAND_PROVIDER))
    lines = _tool_lines(capsys.readouterr().out)
    assert [line.split()[:2] for line in lines] == [
        ["downloaded", PULUMI_CLI.binary_name],
        ["cached", LANGUAGE_HOST.binary_name],
        ["downloaded", COMMAND_PROVIDER.binary_name],
    ]
    assert sorted(_StandIn.asked) == sorted(
        [
            *(f"/releases/sdk/{name}" for name in list(_StandIn.files)[:2]),
            f"/releases/plugins/{list(_StandIn.files)[2]}",
        ]
    )
    engine_dir = tools._engine_bin_dir(paths)
    for name in public.RELEASE_FILES:
        assert (engine_dir / name).read_bytes() == (_engine_dir() / name).read_bytes()
    env = {"PULUMI_HOME": str(tools.pulumi_home()), "PATH": "/usr/bin:/bin"}
    pulumi = str(engine_dir / "pulumi")
    version = subprocess.run([pulumi, "version"], env=env, capture_output=True, text=True)
    assert version.stdout.strip() == PULUMI_TAG
    listed = subprocess.run(
        [pulumi, "plugin", "ls", "--json"], env=env, capture_output=True, text=True, check=True
    ).stdout
    plugins = {(p["kind"], p["name"], p["version"]) for p in json.loads(listed)}
    assert ("resource", "command", COMMAND_PROVIDER.version) in plugins


def test_the_offline_route_builds_from_the_source_trees_into_an_empty_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What CI does on a cold machine, for one command, the exec shim and the chart."""
    sources = tools.upstream_root()
    if not (sources / "fake-gpu-operator-v0.0.59").is_dir():
        pytest.skip(f"no source trees at {sources} (GPU_FLEET_UPSTREAM)")
    monkeypatch.setenv("GPU_FLEET_E2E_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GPU_FLEET_UPSTREAM", str(sources))
    status_updater = OPERATOR_TOOLS[0]
    result = tools.resolve(status_updater, {})
    assert (result.status, result.route) == (
        "built",
        f"source tree {sources / 'fake-gpu-operator-v0.0.59'}",
    )
    assert result.path == tools.binary_path(status_updater)
    chart = charts.operator_chart("0.0.59")
    assert "copied chart fake-gpu-operator 0.0.59 from" in capsys.readouterr().out
    assert (chart / "Chart.yaml").is_file()
    engine_dir = tmp_path / "engine"
    engine_dir.mkdir()
    tools._exec_shim(engine_dir, tools.binary_path(LANGUAGE_HOST))
    shim = sources / f"pulumi-{PULUMI_TAG}" / "sdk" / "python" / "cmd" / EXEC_SHIM
    assert (engine_dir / EXEC_SHIM).read_bytes() == shim.read_bytes()
