"""The plugin the engine runs for Python dynamic providers (`nodeResources: perPool`).

The Pulumi CLI looks for a bundled `pulumi-resource-pulumi-python` beside itself or
on PATH; the tier's build of the CLI has none. This writes one into the engine's bin
directory (first on PATH for every engine call): it runs the SDK's `pulumi.dynamic`
server in the project's virtualenv, which the engine names in
PULUMI_RUNTIME_VIRTUALENV (Pulumi.yaml's `virtualenv`, relative to the project).
"""

from pathlib import Path

from lab.tools import Engine, cache_dir

PLUGIN = "pulumi-resource-pulumi-python"
SCRIPT = """\
#!/bin/sh
# Written by the gpu-fleet e2e harness: the Python dynamic provider plugin.
venv="${PULUMI_RUNTIME_VIRTUALENV:-venv}"
case "$venv" in
  /*) ;;
  *) venv="$PWD/$venv" ;;
esac
exec "$venv/bin/python" -u -m pulumi.dynamic "$@"
"""


def ensure_dynamic_provider_plugin(engine: Engine) -> Path:
    """Write (or rewrite, when it differs) the plugin script; return its path.

    A user's own Pulumi install (used when it is the pinned version) has the real
    plugin beside its CLI already, and is left alone.
    """
    plugin = engine.bin_dir / PLUGIN
    if not engine.bin_dir.is_relative_to(cache_dir()) and plugin.exists():
        return plugin
    if not plugin.is_file() or plugin.read_text() != SCRIPT:
        plugin.write_text(SCRIPT)
        plugin.chmod(0o755)
    return plugin
