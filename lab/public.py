"""The public channels a user's machine downloads from, tried before a source tree:
Pulumi's release archive (the CLI with its language host and exec shim, which the engine
bundles and will not install as a plugin), the engine's own plugin acquisition
(`pulumi plugin install resource NAME VERSION`) for the provider plugins, and
fake-gpu-operator's published Helm chart.

Never in the offline mode (`GPU_FLEET_UPSTREAM` set, as CI does, or `CI` set): there only
the Go module proxy and the source trees are used. `GPU_FLEET_PULUMI_RELEASES`,
`GPU_FLEET_PLUGIN_SERVER` (`--server`) and `GPU_FLEET_OPERATOR_CHART_REPO` point at other
servers; the tests point them at stand-ins on 127.0.0.1.
"""

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

from fleet.stack import versions

PULUMI_RELEASES = "https://get.pulumi.com/releases/sdk"
PLUGIN_TIMEOUT = 600.0
HTTP_TIMEOUT = 30.0
MAX_CHART_BYTES = 16 * 1024 * 1024
MAX_INDEX_BYTES = 32 * 1024 * 1024
MAX_RELEASE_BYTES = 1024 * 1024 * 1024
# What the lab takes from Pulumi's release archive (folder `pulumi/` in it).
RELEASE_FILES = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec")


class DownloadFailed(RuntimeError):
    """A public channel did not deliver; the message says which and why."""


def offline() -> bool:
    """True where nothing but the module proxy may be downloaded from (CI, air-gapped)."""
    ci = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
    return bool(os.environ.get("GPU_FLEET_UPSTREAM")) or ci


def acquire_plugin(
    cli: Path, pulumi_home: Path, plugin: tuple[str, str], version: str, env: dict[str, str]
) -> None:
    """`pulumi plugin install KIND NAME VERSION` into `pulumi_home` (from the plugin's
    usual server, or `GPU_FLEET_PLUGIN_SERVER`); DownloadFailed when it does not."""
    kind, name = plugin
    command = [str(cli), "plugin", "install", kind, name, version.removeprefix("v")]
    server = os.environ.get("GPU_FLEET_PLUGIN_SERVER")
    if server:
        command += ["--server", server]
    run_env = {**env, "PULUMI_HOME": str(pulumi_home), "PULUMI_SKIP_UPDATE_CHECK": "true"}
    try:
        done = subprocess.run(
            command, env=run_env, capture_output=True, text=True, timeout=PLUGIN_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise DownloadFailed(f"{' '.join(command)}: no answer in {PLUGIN_TIMEOUT:.0f}s") from None
    if done.returncode != 0:
        why = " ".join(done.stderr.strip().splitlines()[-2:])[-400:]
        raise DownloadFailed(f"{' '.join(command)} failed: {why}")


def chart_repository(version: str) -> str | None:
    """The classic Helm repository serving the operator chart `version`, or None where the
    release is published only as an OCI artifact (0.0.60 on), which this route skips."""
    if versions.parse_chart_version(version) >= versions.OPERATOR_FIRST_OCI_VERSION:
        return None
    return os.environ.get("GPU_FLEET_OPERATOR_CHART_REPO") or versions.OPERATOR_HELM_REPOSITORY


def _get(url: str, limit: int) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as answer:  # noqa: S310
            body: bytes = answer.read(limit + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise DownloadFailed(f"GET {url}: {error}") from None
    if len(body) > limit:
        raise DownloadFailed(f"GET {url}: more than {limit} bytes")
    return body


def _chart_url(repository: str, name: str, version: str) -> tuple[str, str | None]:
    """The archive URL and sha256 digest the repository's index.yaml gives `name` `version`."""
    index_url = f"{repository.rstrip('/')}/index.yaml"
    try:
        index = yaml.safe_load(_get(index_url, MAX_INDEX_BYTES))
        entries = index["entries"][name]
        entry = next(e for e in entries if str(e.get("version")) == version)
        url = urllib.parse.urljoin(f"{repository.rstrip('/')}/", str(entry["urls"][0]))
    except (yaml.YAMLError, KeyError, TypeError, IndexError, StopIteration):
        raise DownloadFailed(f"{index_url}: no chart {name} {version} in the index") from None
    digest = entry.get("digest")
    return url, str(digest) if digest else None


def published_chart(repository: str, name: str, version: str, target: Path) -> Path:
    """Download chart `name` `version` from the Helm repository and unpack it at `target`
    (its digest checked against the index); DownloadFailed when that is not possible."""
    url, digest = _chart_url(repository, name, version)
    archive = _get(url, MAX_CHART_BYTES)
    if digest and hashlib.sha256(archive).hexdigest() != digest:
        raise DownloadFailed(f"{url}: sha256 differs from the repository index's digest")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}-") as scratch:
        tgz = Path(scratch) / "chart.tgz"
        tgz.write_bytes(archive)
        try:
            with tarfile.open(tgz) as tar:
                tar.extractall(Path(scratch) / "x", filter="data")
        except (tarfile.TarError, OSError) as error:
            raise DownloadFailed(f"{url}: not a chart archive ({error})") from None
        unpacked = Path(scratch) / "x" / name
        if not (unpacked / "Chart.yaml").is_file():
            raise DownloadFailed(f"{url}: the archive holds no {name}/Chart.yaml")
        shutil.rmtree(target, ignore_errors=True)
        unpacked.replace(target)
    return target


def _release_platform() -> str:
    system = {"Linux": "linux", "Darwin": "darwin"}.get(os.uname().sysname, "")
    machine = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}
    arch = machine.get(os.uname().machine, "")
    if not system or not arch:
        raise DownloadFailed(f"no Pulumi release for {os.uname().sysname}/{os.uname().machine}")
    return f"{system}-{arch}"


def pulumi_release(tag: str, target: Path) -> str:
    """Pulumi's release archive of `tag` (v3.259.0), its sha256 checked against the
    release's checksums file, unpacked: RELEASE_FILES into `target`. Returns its URL."""
    base = (os.environ.get("GPU_FLEET_PULUMI_RELEASES") or PULUMI_RELEASES).rstrip("/")
    name = f"pulumi-{tag}-{_release_platform()}.tar.gz"
    url = f"{base}/{name}"
    sums = _get(f"{base}/pulumi-{tag.removeprefix('v')}-checksums.txt", MAX_INDEX_BYTES)
    wanted = {
        parts[1]: parts[0]
        for parts in (line.split() for line in sums.decode().splitlines())
        if len(parts) == 2
    }.get(name)
    if wanted is None:
        raise DownloadFailed(f"{base}: the checksums file lists no {name}")
    archive = _get(url, MAX_RELEASE_BYTES)
    if hashlib.sha256(archive).hexdigest() != wanted:
        raise DownloadFailed(f"{url}: sha256 differs from the release's checksums file")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target, prefix=".release-") as scratch:
        tgz = Path(scratch) / name
        tgz.write_bytes(archive)
        try:
            with tarfile.open(tgz) as tar:
                tar.extractall(Path(scratch) / "x", filter="data")
        except (tarfile.TarError, OSError) as error:
            raise DownloadFailed(f"{url}: not a release archive ({error})") from None
        unpacked = Path(scratch) / "x" / "pulumi"
        missing = [file for file in RELEASE_FILES if not (unpacked / file).is_file()]
        if missing:
            raise DownloadFailed(f"{url}: the archive holds no pulumi/{', pulumi/'.join(missing)}")
        for file in RELEASE_FILES:
            (unpacked / file).chmod(0o755)
            (unpacked / file).replace(target / file)
    return url
