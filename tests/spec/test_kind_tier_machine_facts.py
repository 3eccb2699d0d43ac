"""The kind tier's accommodations for a host without CAP_SYS_RESOURCE, without Docker.

The runc wrapper is run as dockerd runs it, with a stand-in `runc` that records the
arguments and the capability lists it was handed.
"""

import json
import subprocess
import sys
from pathlib import Path

from lab.kind import docker_engine

CAPABILITIES = ["CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_SYS_RESOURCE", "CAP_NET_ADMIN"]
KINDS = ("bounding", "effective", "permitted", "inheritable")


def _fake_runc(tmp_path: Path) -> Path:
    runc = tmp_path / "runc"
    runc.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "argv"}\n')
    runc.chmod(0o755)
    return runc


def _wrap(tmp_path: Path, *args: str) -> str:
    env = {"GPU_FLEET_REAL_RUNC": str(_fake_runc(tmp_path)), "PATH": "/usr/bin:/bin"}
    wrapper = str(docker_engine.RUNC_WRAPPER)
    subprocess.run([sys.executable, wrapper, *args], env=env, check=True)
    return (tmp_path / "argv").read_text().strip()


def test_create_drops_the_capability_from_the_bundle_and_runs_runc(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    caps = {kind: list(CAPABILITIES) for kind in KINDS}
    (bundle / "config.json").write_text(json.dumps({"process": {"capabilities": caps}}))
    argv = _wrap(tmp_path, "--root", "/run/x", "create", "--bundle", str(bundle), "c1")
    written = json.loads((bundle / "config.json").read_text())["process"]["capabilities"]
    assert all(written[kind] == ["CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_NET_ADMIN"] for kind in KINDS)
    assert argv == f"--root /run/x create --bundle {bundle} c1"


def test_exec_drops_the_capability_from_the_process_file(tmp_path: Path) -> None:
    process = tmp_path / "process.json"
    process.write_text(json.dumps({"args": ["sh"], "capabilities": {"bounding": CAPABILITIES}}))
    _wrap(tmp_path, "exec", "--process", str(process), "c1")
    assert "CAP_SYS_RESOURCE" not in json.loads(process.read_text())["capabilities"]["bounding"]


def test_other_commands_pass_through_untouched(tmp_path: Path) -> None:
    assert _wrap(tmp_path, "--log", "/run/runc.log", "delete", "--force", "c1") == (
        "--log /run/runc.log delete --force c1"
    )


def test_the_bounding_set_is_read_from_proc_status() -> None:
    assert docker_engine.bounding_set_lacks_sys_resource("CapBnd:\t000001fffeffffff\n")
    assert not docker_engine.bounding_set_lacks_sys_resource("CapBnd:\t000001ffffffffff\n")


def test_dockerd_gets_the_wrapper_only_where_the_host_needs_it(tmp_path: Path) -> None:
    wrapped = docker_engine.dockerd_command(tmp_path, wrap_runc=True)
    plain = docker_engine.dockerd_command(tmp_path, wrap_runc=False)
    assert f"--default-runtime={docker_engine.RUNTIME_NAME}" in wrapped
    assert not any("runtime" in flag for flag in plain)
