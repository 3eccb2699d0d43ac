"""How the lab resolves each tool: the user's install, the cache, a public channel, a
build; and that a warm cache needs neither a source tree nor Go.

The real engine on these routes is checked in tests/e2e/test_8_first_run.py; here the
binaries are placeholders (a cache is files in folders) and the user's `pulumi` a
stand-in script that prints a version, which is all the resolution reads of it.
"""

import hashlib
import io
import tarfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from lab import charts, installed, public, tools
from lab.demo import DEMO_TOOLS
from lab.pins import (
    COMMAND_PROVIDER,
    EXEC_SHIM,
    KARPENTER_KWOK_TOOL,
    KUBERNETES_PROVIDER,
    LANGUAGE_HOST,
    PULUMI_CLI,
    PULUMI_TAG,
)


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache, offline, no source trees, and a PATH with nothing on it."""
    monkeypatch.setenv("GPU_FLEET_E2E_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GPU_FLEET_UPSTREAM", str(tmp_path / "no-sources"))
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "user-pulumi-home"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    return tmp_path


def _executable(path: Path, text: str = "#!/bin/sh\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def _warm_cache() -> None:
    """Every demo tool and chart where an earlier run leaves them."""
    for tool in DEMO_TOOLS:
        _executable(tools.binary_path(tool))
    for provider in (KUBERNETES_PROVIDER, COMMAND_PROVIDER):
        _executable(installed.plugin_dir(tools.pulumi_home(), provider) / provider.name)
    _executable(tools.cache_dir() / f"pulumi-{PULUMI_TAG}" / "bin" / EXEC_SHIM)
    chart = tools.cache_dir() / "charts" / "fake-gpu-operator-0.0.59"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text("name: fake-gpu-operator\nversion: 0.0.59\n")


def test_a_warm_cache_needs_no_source_tree_and_no_go(
    bare: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _warm_cache()
    paths = tools.ensure_tools(DEMO_TOOLS)
    engine = tools.ensure_engine(paths)
    chart = charts.operator_chart("0.0.59")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(DEMO_TOOLS)
    assert all(line.split()[0] == "cached" for line in lines), lines
    assert engine.bin_dir == tools.cache_dir() / f"pulumi-{PULUMI_TAG}" / "bin"
    assert sorted(p.name for p in engine.bin_dir.iterdir()) == sorted(
        ["pulumi", LANGUAGE_HOST.name, EXEC_SHIM]
    )
    assert chart == tools.cache_dir() / "charts" / "fake-gpu-operator-0.0.59"
    assert not (bare / "no-sources").exists()


def _user_install(folder: Path, version: str, shim: bool = True) -> Path:
    """A stand-in for Pulumi's install: a `pulumi` printing `version`, the host beside."""
    _executable(folder / "pulumi", f"#!/bin/sh\necho {version}\n")
    _executable(folder / LANGUAGE_HOST.name)
    if shim:
        _executable(folder / EXEC_SHIM)
    return folder


def test_the_users_pulumi_of_the_pinned_version_comes_first(
    bare: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = _user_install(bare / "user-bin", PULUMI_TAG)
    monkeypatch.setenv("PATH", str(user))
    _executable(tools.binary_path(PULUMI_CLI))  # a cached one too: the user's wins
    for tool in (PULUMI_CLI, LANGUAGE_HOST):
        result = tools.resolve(tool, {})
        assert (result.status, result.path) == ("installed", user / tool.name)
        assert "installed" in tools.status_line(result)


@pytest.mark.parametrize(("version", "shim"), [("v3.100.0", True), (PULUMI_TAG, False)])
def test_another_version_or_an_install_without_its_shim_is_not_used(
    bare: Path, monkeypatch: pytest.MonkeyPatch, version: str, shim: bool
) -> None:
    monkeypatch.setenv("PATH", str(_user_install(bare / "user-bin", version, shim)))
    assert installed.installed(PULUMI_CLI) is None
    _executable(tools.binary_path(PULUMI_CLI))
    assert tools.resolve(PULUMI_CLI, {}).status == "cached"


def test_a_plugin_in_the_users_pulumi_home_is_used(bare: Path) -> None:
    plugin = _executable(
        installed.plugin_dir(bare / "user-pulumi-home", KUBERNETES_PROVIDER)
        / KUBERNETES_PROVIDER.name
    )
    assert plugin.parent.name == "resource-kubernetes-v4.32.0"
    result = tools.resolve(KUBERNETES_PROVIDER, {})
    assert (result.status, result.path) == ("installed", plugin)


def test_kwokctl_on_path_is_used_only_at_the_pinned_release(
    bare: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kwokctl = next(tool for tool in DEMO_TOOLS if tool.name == "kwokctl")
    user = bare / "user-bin"
    _executable(user / "kwokctl", "#!/bin/sh\necho 'kwokctl version v0.7.0 go1.26 (linux/amd64)'\n")
    monkeypatch.setenv("PATH", str(user))
    assert tools.resolve(kwokctl, {}).path == user / "kwokctl"
    _executable(user / "kwokctl", "#!/bin/sh\necho 'kwokctl version v0.6.1 go1.24 (linux/amd64)'\n")
    assert installed.installed(kwokctl) is None


def test_with_nothing_at_all_the_error_names_every_route(bare: Path) -> None:
    with pytest.raises(tools.BuildError) as failed:
        tools.ensure_tools((LANGUAGE_HOST,))
    message = str(failed.value)
    assert message.startswith(f"{LANGUAGE_HOST.binary_name}: not installed at the pinned version")
    assert f"not in the cache {tools.bin_dir()}" in message
    assert "not downloaded from Pulumi's release archive (not tried: offline)" in message
    assert "the Go toolchain is not on PATH" in message


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"GPU_FLEET_UPSTREAM": "/x"}, True),
        ({"CI": "true"}, True),
        ({"CI": "0"}, False),
    ],
)
def test_offline_in_ci_or_with_source_trees_named(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: bool
) -> None:
    monkeypatch.delenv("GPU_FLEET_UPSTREAM", raising=False)
    monkeypatch.delenv("CI", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert public.offline() is expected


def _chart_archive(name: str, version: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, text in {
            f"{name}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: {version}\n",
            f"{name}/values.yaml": "topology: {}\n",
        }.items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def helm_repo(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A STAND-IN for the operator's Helm repository on 127.0.0.1: an index.yaml and the
    chart archive it lists (a relative URL and a sha256 digest, as Helm repositories
    write them); not the real repository."""
    root = tmp_path / "repo"
    root.mkdir()
    archive = _chart_archive("fake-gpu-operator", "0.0.59")
    (root / "fake-gpu-operator-0.0.59.tgz").write_bytes(archive)
    entry = {
        "version": "0.0.59",
        "urls": ["fake-gpu-operator-0.0.59.tgz"],
        "digest": hashlib.sha256(archive).hexdigest(),
    }
    (root / "index.yaml").write_text(
        yaml.safe_dump({"apiVersion": "v1", "entries": {"fake-gpu-operator": [entry]}})
    )

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/charts", root
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def online(bare: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`bare`, but online: no source trees named, not in CI."""
    monkeypatch.delenv("GPU_FLEET_UPSTREAM")
    monkeypatch.delenv("CI", raising=False)
    return bare


def test_the_published_operator_chart_is_downloaded_then_cached(
    online: Path,
    monkeypatch: pytest.MonkeyPatch,
    helm_repo: tuple[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, root = helm_repo
    (root / "charts").mkdir()
    for name in ("index.yaml", "fake-gpu-operator-0.0.59.tgz"):
        (root / name).replace(root / "charts" / name)
    monkeypatch.setenv("GPU_FLEET_OPERATOR_CHART_REPO", url)
    chart = charts.operator_chart("0.0.59")
    assert chart == tools.cache_dir() / "charts" / "fake-gpu-operator-0.0.59"
    assert yaml.safe_load((chart / "Chart.yaml").read_text())["version"] == "0.0.59"
    assert f"downloaded chart fake-gpu-operator 0.0.59 from {url}" in capsys.readouterr().out
    (root / "charts" / "index.yaml").unlink()  # the cache needs the repository no more
    assert charts.operator_chart("0.0.59") == chart


def test_an_archive_that_differs_from_the_index_digest_is_refused(
    tmp_path: Path, helm_repo: tuple[str, Path]
) -> None:
    url, root = helm_repo
    url = url.removesuffix("/charts")
    (root / "fake-gpu-operator-0.0.59.tgz").write_bytes(_chart_archive("fake-gpu-operator", "9"))
    with pytest.raises(public.DownloadFailed, match="sha256 differs"):
        public.published_chart(url, "fake-gpu-operator", "0.0.59", tmp_path / "chart")
    assert not (tmp_path / "chart").exists()


def test_a_version_missing_from_the_index_is_named(
    tmp_path: Path, helm_repo: tuple[str, Path]
) -> None:
    url = helm_repo[0].removesuffix("/charts")
    with pytest.raises(public.DownloadFailed, match=r"no chart fake-gpu-operator 0\.0\.58"):
        public.published_chart(url, "fake-gpu-operator", "0.0.58", tmp_path / "chart")


def test_oci_only_releases_have_no_classic_repository() -> None:
    assert public.chart_repository("0.2.0") is None
    assert public.chart_repository("0.0.59") is not None


STATUS_UPDATER = next(tool for tool in DEMO_TOOLS if tool.name == "status-updater")


@pytest.fixture
def go_log(bare: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A STAND-IN `go` on PATH that logs its arguments and answers as this machine's module
    proxy does (403); the path of its log, written only when it is called."""
    go = _executable(
        bare / "go-bin" / "go",
        '#!/bin/sh\necho "$*" >> "$GO_LOG"\necho "403 Forbidden" >&2\nexit 1\n',
    )
    monkeypatch.setenv("PATH", f"{go.parent}:/usr/bin:/bin")
    monkeypatch.setenv("GO_LOG", str(bare / "go.log"))
    return bare / "go.log"


def test_the_operators_commands_are_tried_from_the_module_proxy_before_their_tree(
    go_log: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Online: the `go install` is tried, said to have failed, and the tree is looked for
    next."""
    monkeypatch.setattr(public, "offline", lambda: False)
    with pytest.raises(tools.BuildError, match=r"source tree .* is missing"):
        tools.resolve(STATUS_UPDATER, {})
    assert "could not go install status-updater-0.0.59: 403 Forbidden" in capsys.readouterr().out
    [call] = go_log.read_text().splitlines()
    assert call.startswith("install ")
    assert call.endswith(" github.com/run-ai/fake-gpu-operator/cmd/status-updater@v0.0.59")
    assert not tools.binary_path(STATUS_UPDATER).exists()


def test_offline_the_module_proxy_is_not_tried_for_them(go_log: Path) -> None:
    with pytest.raises(tools.BuildError, match=r"source tree .* is missing"):
        tools.resolve(STATUS_UPDATER, {})
    assert not go_log.exists()


def test_karpenters_provider_is_built_with_the_toolchain_its_module_asks_for(
    bare: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A STAND-IN `go` that installs as `go install` does, into GOBIN under the package's
    last element (`kwok`), and records the GOTOOLCHAIN it was given: the binary lands in
    the cache as `karpenter-kwok-<version>`, built by a toolchain of the module's go line."""
    go = _executable(
        bare / "go-bin" / "go",
        '#!/bin/sh\necho "$GOTOOLCHAIN $*" >> "$GO_LOG"\n'
        'printf "#!/bin/sh\\n" > "$GOBIN/kwok"\nchmod +x "$GOBIN/kwok"\n',
    )
    monkeypatch.setenv("PATH", f"{go.parent}:/usr/bin:/bin")
    monkeypatch.setenv("GO_LOG", str(bare / "go.log"))
    result = tools.resolve(KARPENTER_KWOK_TOOL, {})
    assert result.status == "built"
    assert result.path == tools.bin_dir() / "karpenter-kwok-v1.15.0"
    assert result.path.is_file()
    [call] = (bare / "go.log").read_text().splitlines()
    assert call.startswith("go1.26.9+auto install ")
    assert call.endswith(" sigs.k8s.io/karpenter/kwok@v1.15.0")


def _release(root: Path, tag: str, platform: str) -> bytes:
    """A STAND-IN for Pulumi's release archive (placeholders in its `pulumi/` folder) and
    its checksums file, as get.pulumi.com/releases/sdk lays them out."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in public.RELEASE_FILES:
            data = f"#!/bin/sh\necho {name}\n".encode()
            info = tarfile.TarInfo(f"pulumi/{name}")
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    archive = buffer.getvalue()
    name = f"pulumi-{tag}-{platform}.tar.gz"
    (root / name).write_bytes(archive)
    digest = hashlib.sha256(archive).hexdigest()
    (root / f"pulumi-{tag.removeprefix('v')}-checksums.txt").write_text(f"{digest}  {name}\n")
    return archive


@pytest.fixture
def pulumi_release(
    online: Path, monkeypatch: pytest.MonkeyPatch, helm_repo: tuple[str, Path]
) -> Path:
    """Online, with Pulumi's release archive of the pinned tag for this platform served
    (the STAND-IN of `_release`) where `GPU_FLEET_PULUMI_RELEASES` points; its folder."""
    url, root = helm_repo
    _release(root, PULUMI_TAG, public._release_platform())
    monkeypatch.setenv("GPU_FLEET_PULUMI_RELEASES", url.removesuffix("/charts"))
    return root


def test_the_cli_language_host_and_shim_come_from_pulumis_release_archive(
    pulumi_release: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = tools.ensure_tools((PULUMI_CLI, LANGUAGE_HOST))
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["downloaded", PULUMI_CLI.binary_name],
        ["cached", LANGUAGE_HOST.binary_name],
    ]
    assert "(Pulumi release http://127.0.0.1:" in lines[0]
    engine = tools._engine_bin_dir(paths)
    for name in public.RELEASE_FILES:
        assert (engine / name).read_text() == f"#!/bin/sh\necho {name}\n"
    assert not list(tools.cache_dir().glob(".pulumi-release*"))


def test_a_release_archive_that_differs_from_its_checksum_is_refused(
    pulumi_release: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = f"pulumi-{PULUMI_TAG}-{public._release_platform()}.tar.gz"
    (pulumi_release / archive).write_bytes(b"tampered")
    with pytest.raises(tools.BuildError, match="not downloaded from Pulumi's release archive"):
        tools.ensure_tools((PULUMI_CLI,))
    assert "sha256 differs from the release's checksums file" in capsys.readouterr().out
    assert not tools.binary_path(PULUMI_CLI).exists()
