"""Resolve the tier's tools the way a user's machine offers them, and set up the engine.

Each tool, in this order, and one line saying which route gave it:
1. installed: the user's own at the pinned version (`lab.installed`);
2. cached: `<cache>/bin/<tool>-<version>` (or the plugin in the private Pulumi home)
   from an earlier run, whatever route made it; a cached tool never needs its source;
3. downloaded, except offline (`lab.public`): the CLI with its language host and exec
   shim from Pulumi's release archive, the provider plugins by the engine's own plugin
   acquisition;
4. built: with Go, from the module proxy (`go install`, or a wrapper module; for the
   operator's commands tried before their tree, except offline), else from the upstream
   source tree (`GPU_FLEET_UPSTREAM`, else beside the checkout).

The Pulumi CLI is assembled in `<cache>/pulumi-<tag>/bin` with its Python language host
and exec shim beside it (where the CLI looks for them), and the provider plugins are
installed into a private `PULUMI_HOME` (`<cache>/pulumi-home`). `lab.charts` keeps the
charts beside them, so a warm cache needs no source tree at all.
"""

import json
import os
import shlex
import shutil
import stat
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from fleet.stack import versions
from lab import installed, public
from lab.paths import ROOT
from lab.pins import (
    COMMAND_PROVIDER,
    EXEC_SHIM,
    GOMOD_DIR,
    KAI_RENDER_SOURCE,
    KUBERNETES_PROVIDER,
    LANGUAGE_HOST,
    PULUMI_CLI,
    PULUMI_TAG,
    PULUMI_UPSTREAM,
    TOOLS,
    Tool,
    Upstream,
)

GO_BUILD_PARALLELISM = "2"


class BuildError(RuntimeError):
    """A tool the tier cannot run without failed to build, or its source is missing."""


def cache_dir() -> Path:
    """`$GPU_FLEET_E2E_CACHE`, else `${XDG_CACHE_HOME:-~/.cache}/gpu-fleet-e2e`."""
    explicit = os.environ.get("GPU_FLEET_E2E_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gpu-fleet-e2e"


def bin_dir() -> Path:
    return cache_dir() / "bin"


def upstream_root() -> Path:
    """`$GPU_FLEET_UPSTREAM`, else `shared/upstream` beside this checkout."""
    explicit = os.environ.get("GPU_FLEET_UPSTREAM")
    return Path(explicit) if explicit else ROOT.parent / "shared" / "upstream"


def upstream_source(upstream: Upstream) -> Path:
    """The tree of `upstream`, or a BuildError saying what is missing and how to get it."""
    source = upstream_root() / upstream.folder
    if not source.is_dir():
        raise BuildError(
            f"the source tree {source} is missing. The registries this tier may use do not "
            f"serve it: put a checkout of {upstream.origin} there (or point "
            "GPU_FLEET_UPSTREAM at a folder holding it)"
        )
    return source


def pulumi_home() -> Path:
    """The private Pulumi home the tiers' engine runs with (the user's is left alone)."""
    return cache_dir() / "pulumi-home"


@dataclass(frozen=True)
class BuildResult:
    tool: Tool
    path: Path
    status: str  # "installed", "cached", "downloaded" or "built"
    seconds: float
    route: str = ""  # where a download or build came from


def binary_path(tool: Tool) -> Path:
    return bin_dir() / tool.binary_name


def build_route(tool: Tool) -> str:
    """Where a build of `tool` takes its source from, as the status line says it."""
    if tool.upstream is not None:
        return f"source tree {upstream_root() / tool.upstream.folder}"
    if tool.wrapper is not None:
        return f"module proxy, wrapper module lab/gomod/{tool.wrapper}"
    return "module proxy, go install"


def cached(tool: Tool) -> Path | None:
    """The tool from an earlier run: its binary in the cache, or the plugin in the
    private Pulumi home (where the engine's own acquisition puts it)."""
    if binary_path(tool).exists():
        return binary_path(tool)
    if tool.plugin is not None:
        plugin = installed.plugin_dir(pulumi_home(), tool) / tool.name
        if plugin.is_file():
            return plugin
    return None


def copy_writable(source: Path, target: Path) -> None:
    """Copy a (possibly read-only) tree and make the copy writable for go mod edit."""
    shutil.copytree(source, target, symlinks=True)
    for path in [target, *target.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _run(command: list[str], cwd: Path, env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"{what} failed: {shlex.join(command)}\n{done.stderr.strip()[-4000:]}")


def _language_host_sources(scratch: Path, env: dict[str, str]) -> Path:
    """A copy of the CLI's wrapper module with the language host's sources in langhost/."""
    module = scratch / "src"
    copy_writable(GOMOD_DIR / "pulumi", module)
    host = upstream_source(PULUMI_UPSTREAM) / "sdk" / "python" / "cmd" / "pulumi-language-python"
    (module / "langhost").mkdir()
    for source in host.glob("*.go"):
        shutil.copyfile(source, module / "langhost" / source.name)
    return module


def _kubernetes_schema(module: Path, env: dict[str, str]) -> None:
    """Generate the schema the provider embeds, from Kubernetes' own OpenAPI document."""
    swagger_module = module_dir(f"k8s.io/kubernetes@{versions.KUBERNETES_VERSION}", module, env)
    swagger = swagger_module / "api" / "openapi-spec" / "swagger.json"
    generator = module / "cmd" / "gpu-fleet-schema"
    generator.mkdir()
    shutil.copyfile(GOMOD_DIR / "kubernetes-provider" / "schema.go.txt", generator / "main.go")
    command = [
        "go",
        "run",
        "./cmd/gpu-fleet-schema",
        str(swagger),
        "cmd/pulumi-resource-kubernetes",
        versions.PULUMI_KUBERNETES_VERSION,
    ]
    _run(command, module, env, "generating the kubernetes provider schema")


def module_dir(module_at_version: str, cwd: Path, env: dict[str, str] | None = None) -> Path:
    """Download a module from the proxy and return its folder in the module cache."""
    done = subprocess.run(
        ["go", "mod", "download", "-json", module_at_version],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BuildError(f"go mod download {module_at_version} failed:\n{done.stdout}{done.stderr}")
    return Path(json.loads(done.stdout)["Dir"])


def _upstream_module(tool: Tool, scratch: Path, env: dict[str, str]) -> Path:
    """A writable copy of the tool's upstream tree, go.mod edited; returns the module dir."""
    assert tool.upstream is not None
    copy = scratch / "src"
    copy_writable(upstream_source(tool.upstream), copy)
    module = copy / tool.upstream.module_dir
    if tool.upstream.go_mod_edits:
        _run(["go", "mod", "edit", *tool.upstream.go_mod_edits], module, env, "go mod edit")
    return module


# Where KAI's operator imports gpu-operator's ClusterPolicy API from (its own tree).
KAI_GPU_OPERATOR_API_DIR = "third_party/nvidia/gpu-operator/api/nvidia/v1"


def _kai_gpu_operator_api(module: Path, env: dict[str, str]) -> None:
    """The package KAI's operator imports for gpu-operator's ClusterPolicy, absent from
    the source snapshot: aliases of the served module's API (gomod/kai-operator)."""
    package = module / KAI_GPU_OPERATOR_API_DIR
    package.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(
        GOMOD_DIR / "kai-operator" / "cluster_policy.go.txt", package / "cluster_policy.go"
    )


def _kai_render(module: Path, env: dict[str, str]) -> None:
    """The operator's imports (`_kai_gpu_operator_api`) and the render command
    (gomod/kai-render) in KAI's tree, where it can import the operator's packages."""
    _kai_gpu_operator_api(module, env)
    command = module / "cmd" / "gpu-fleet-kai-render"
    command.mkdir(parents=True)
    shutil.copyfile(KAI_RENDER_SOURCE, command / "main.go")


SOURCE_STEPS: dict[str, Callable[[Path, dict[str, str]], Path]] = {
    "language-host-in-wrapper": _language_host_sources,
}
PREPARE_STEPS: dict[str, Callable[[Path, dict[str, str]], None]] = {
    "kubernetes-provider-schema": _kubernetes_schema,
    "kai-gpu-operator-api": _kai_gpu_operator_api,
    "kai-render": _kai_render,
}


def _build(tool: Tool, scratch: Path) -> Path:
    """Build `tool` in `scratch`; return the binary's path there."""
    env = {**os.environ, "CGO_ENABLED": "0", "GOBIN": str(scratch), "GOFLAGS": "-buildvcs=false"}
    for key, value in tool.env:
        env[key] = f"{env[key]} {value}" if key == "GOFLAGS" else value
    ldflags = " ".join(("-s", "-w", *tool.ldflags))
    flags = ["-p", GO_BUILD_PARALLELISM, "-trimpath", "-ldflags", ldflags]
    output = scratch / tool.name
    if tool.wrapper is None and tool.upstream is None:
        # `go install pkg@version` builds outside any module; GOBIN is the scratch dir,
        # where the binary is named after the package's last element.
        command = ["go", "install", *flags, f"{tool.package}@{tool.version}"]
        cwd = scratch
        output = scratch / tool.package.rpartition("/")[2]
    else:
        if tool.wrapper is not None:
            cwd = GOMOD_DIR / tool.wrapper
        elif tool.prepare in SOURCE_STEPS:
            cwd = SOURCE_STEPS[tool.prepare](scratch, env)
        else:
            cwd = _upstream_module(tool, scratch, env)
        if tool.prepare in PREPARE_STEPS:
            PREPARE_STEPS[tool.prepare](cwd, env)
        command = ["go", "build", *flags, "-o", str(output), tool.package]
    print(f"  building {tool.binary_name}: {shlex.join(command)} (in {cwd})", flush=True)
    _run(command, cwd, env, f"building {tool.binary_name}")
    return output


def _nothing_else(tool: Tool, error: BuildError) -> BuildError:
    """The error for a tool no route gave: what was looked for, then the build's failure."""
    download = ""
    how = "not tried: offline" if public.offline() else "tried"
    if tool.plugin is not None:
        kind, name = tool.plugin
        download = f", not downloaded by `pulumi plugin install {kind} {name}` ({how})"
    if tool in (PULUMI_CLI, LANGUAGE_HOST):
        download = f", not downloaded from Pulumi's release archive ({how})"
    return BuildError(
        f"{tool.binary_name}: not installed at the pinned version, not in the cache "
        f"{bin_dir()}{download}; building it: {error}"
    )


def ensure_tool(tool: Tool, build_as: Tool | None = None) -> BuildResult:
    """Reuse the cached tool or build it (as `build_as` says, else as `tool` does) into
    its place in the cache; raise BuildError on failure."""
    found = cached(tool)
    if found is not None:
        return BuildResult(tool, found, "cached", 0.0)
    if shutil.which("go") is None:
        raise _nothing_else(tool, BuildError("the Go toolchain is not on PATH"))
    target = binary_path(tool)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{tool.name}-") as scratch:
        try:
            _build(build_as or tool, Path(scratch)).replace(target)
        except BuildError as error:
            raise _nothing_else(tool, error) from None
        finally:
            # The module cache is read-only by default; make scratch copies removable.
            subprocess.run(["chmod", "-R", "u+w", scratch], check=False)
    route = build_route(build_as or tool)
    return BuildResult(tool, target, "built", time.monotonic() - started, route)


def _pulumi_release(tool: Tool) -> BuildResult | None:
    """The CLI and the language host from Pulumi's release archive, into their places in
    the cache, the exec shim beside the engine's CLI; None when that fails (said why)."""
    started = time.monotonic()
    scratch = cache_dir() / f".pulumi-release-{PULUMI_TAG}"
    try:
        url = public.pulumi_release(PULUMI_TAG, scratch)
        engine = cache_dir() / f"pulumi-{PULUMI_TAG}" / "bin"
        engine.mkdir(parents=True, exist_ok=True)
        (scratch / EXEC_SHIM).replace(engine / EXEC_SHIM)
        for each in (PULUMI_CLI, LANGUAGE_HOST):
            (scratch / each.name).replace(binary_path(each))
    except public.DownloadFailed as error:
        print(f"  could not download {tool.binary_name}: {error}", flush=True)
        return None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    seconds = time.monotonic() - started
    return BuildResult(tool, binary_path(tool), "downloaded", seconds, f"Pulumi release {url}")


def _download(tool: Tool, paths: dict[str, Path]) -> BuildResult | None:
    """The CLI or language host from Pulumi's release, a provider plugin by the engine's
    own acquisition once the CLI is resolved; None offline, for another tool, or when the
    download fails (said why)."""
    if tool in (PULUMI_CLI, LANGUAGE_HOST) and not public.offline():
        bin_dir().mkdir(parents=True, exist_ok=True)
        return _pulumi_release(tool)
    cli = paths.get(PULUMI_CLI.binary_name)
    if tool.plugin is None or cli is None or public.offline():
        return None
    started = time.monotonic()
    try:
        public.acquire_plugin(cli, pulumi_home(), tool.plugin, tool.version, dict(os.environ))
    except public.DownloadFailed as error:
        print(f"  could not download {tool.binary_name}: {error}", flush=True)
        return None
    found = cached(tool)
    if found is None:
        print(f"  the download of {tool.binary_name} holds no {tool.name}", flush=True)
        return None
    kind, name = tool.plugin
    route = f"pulumi plugin install {kind} {name}"
    return BuildResult(tool, found, "downloaded", time.monotonic() - started, route)


def _from_proxy(tool: Tool) -> BuildResult | None:
    """A source-tree tool by `go install` from the module proxy, where that serves its
    module; None offline, for a tool without one, or when it fails (said why)."""
    if tool.proxy_package is None or public.offline() or shutil.which("go") is None:
        return None
    version = f"v{tool.version.removeprefix('v')}"
    served = replace(tool, upstream=None, package=tool.proxy_package, version=version)
    try:
        return ensure_tool(tool, build_as=served)
    except BuildError as error:
        why = str(error).rpartition("failed: ")[2].strip().splitlines()
        print(f"  could not go install {tool.binary_name}: {why[-1] if why else error}")
        return None


def resolve(tool: Tool, paths: dict[str, Path]) -> BuildResult:
    """`tool` by the first route that gives it: installed, cached, downloaded, built."""
    mine = installed.installed(tool)
    if mine is not None:
        return BuildResult(tool, mine, "installed", 0.0, "yours, the pinned version")
    found = cached(tool)
    if found is not None:
        return BuildResult(tool, found, "cached", 0.0)
    return _download(tool, paths) or _from_proxy(tool) or ensure_tool(tool)


def status_line(result: BuildResult) -> str:
    timing = f" in {result.seconds:.0f}s" if result.status in ("built", "downloaded") else ""
    route = f" ({result.route})" if result.route else ""
    return f"  {result.status:6} {result.tool.binary_name}{timing}{route} -> {result.path}"


def ensure_tools(tools: tuple[Tool, ...] = TOOLS) -> dict[str, Path]:
    """Every tool, by the first route that gives it; prints one status line per tool.

    The result maps each tool's `binary_name` (name-version) to its path, and its bare
    name too where only one version of the tool is built.
    """
    paths: dict[str, Path] = {}
    for tool in tools:
        result = resolve(tool, paths)
        print(status_line(result), flush=True)
        paths[tool.binary_name] = result.path
    versions_of = Counter(tool.name for tool in set(tools))
    paths.update({t.name: paths[t.binary_name] for t in tools if versions_of[t.name] == 1})
    return paths


@dataclass(frozen=True)
class Engine:
    """Where the Pulumi CLI runs from, and the environment every engine call gets."""

    bin_dir: Path
    pulumi_home: Path

    def env(self) -> dict[str, str]:
        return {
            "PULUMI_HOME": str(self.pulumi_home),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_CONFIG_PASSPHRASE": "gpu-fleet-e2e",
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        }


def place(source: Path, target: Path) -> None:
    """A copy, not a link: the CLI and the language host look for their companions
    beside the path the kernel reports for their own executable, which a link does not
    reliably change. Copied again only when the source changed."""
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return
    partial = target.with_name(f".{target.name}.partial")
    shutil.copy2(source, partial)
    partial.replace(target)


def _exec_shim(engine: Path, host: Path) -> None:
    """The exec shim beside the CLI: kept there once made; taken from beside the language
    host (a downloaded plugin carries it), else from the Pulumi source tree."""
    shim = engine / EXEC_SHIM
    if shim.exists():
        return
    source = host.parent / EXEC_SHIM
    if not source.is_file():
        source = upstream_source(PULUMI_UPSTREAM) / "sdk" / "python" / "cmd" / EXEC_SHIM
    partial = shim.with_name(f".{shim.name}.partial")
    shutil.copyfile(source, partial)
    partial.chmod(0o755)
    partial.replace(shim)


def _engine_bin_dir(paths: dict[str, Path]) -> Path:
    """The CLI with its language host and exec shim beside it."""
    cli = paths[PULUMI_CLI.name]
    if cli.name == "pulumi":  # the user's own install already has everything beside it
        return cli.parent
    engine = cache_dir() / f"pulumi-{PULUMI_TAG}" / "bin"
    engine.mkdir(parents=True, exist_ok=True)
    place(cli, engine / "pulumi")
    place(paths[LANGUAGE_HOST.name], engine / LANGUAGE_HOST.name)
    _exec_shim(engine, paths[LANGUAGE_HOST.name])
    return engine


def _install_plugin(engine: Engine, tool: Tool, binary: Path) -> None:
    kind_name = tool.name.removeprefix("pulumi-resource-")
    if (installed.plugin_dir(engine.pulumi_home, tool) / tool.name).exists():
        return
    command = [
        str(engine.bin_dir / "pulumi"),
        "plugin",
        "install",
        "resource",
        kind_name,
        tool.version,
        "--file",
        str(binary),
    ]
    _run(command, cache_dir(), {**os.environ, **engine.env()}, f"installing {tool.binary_name}")
    print(f"  installed plugin resource {kind_name} {tool.version} into {engine.pulumi_home}")


def ensure_engine(paths: dict[str, Path]) -> Engine:
    """The Pulumi CLI directory and a private PULUMI_HOME holding both provider plugins."""
    engine = Engine(_engine_bin_dir(paths), pulumi_home())
    engine.pulumi_home.mkdir(parents=True, exist_ok=True)
    for provider in (KUBERNETES_PROVIDER, COMMAND_PROVIDER):
        _install_plugin(engine, provider, paths[provider.name])
    return engine


def kwok_manifests(kubectl: Path) -> list[Path]:
    """KWOK's two release manifests (controller, then fast stages) rendered from its source.

    KWOK's release process builds `kwok.yaml` and `stage-fast.yaml` with kustomize
    from the `kustomize/` folder of its Go module, the controller image set to the
    release tag. The same is done here, from the module proxy's copy of that module,
    with the kustomize built into kubectl.
    """
    target = cache_dir() / "kwok-manifests" / versions.KWOK_VERSION
    files = [target / "kwok.yaml", target / "stage-fast.yaml"]
    if all(path.is_file() for path in files):
        return files
    env = {**os.environ, "GOFLAGS": "-mod=mod"}
    source = module_dir(f"sigs.k8s.io/kwok@{versions.KWOK_VERSION}", cache_dir(), env)
    with tempfile.TemporaryDirectory(prefix="kwok-kustomize-") as scratch:
        tree = Path(scratch) / "kustomize"
        copy_writable(source / "kustomize", tree)
        image = "registry.k8s.io/kwok/kwok"
        with (tree / "kwok" / "kustomization.yaml").open("a") as kustomization:
            kustomization.write(f"images:\n- name: {image}\n  newTag: {versions.KWOK_VERSION}\n")
        target.mkdir(parents=True, exist_ok=True)
        for path, folder in zip(files, ("kwok", "stage/fast"), strict=True):
            done = subprocess.run(
                [str(kubectl), "kustomize", str(tree / folder)], capture_output=True, text=True
            )
            if done.returncode != 0:
                raise BuildError(f"kubectl kustomize {folder} failed:\n{done.stderr}")
            path.write_text(done.stdout)
    return files
