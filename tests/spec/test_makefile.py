"""The Makefile's Pulumi targets refuse what they cannot do, leave nothing behind, and keep
the local state private.

Each test runs the project's Makefile in a copy of the stack folder (so that the checkout
gets no state), with the project's virtualenv, and on a PATH that either lacks `pulumi` or
holds a stand-in that answers as the Pulumi CLI does on a file backend with no stacks:
`stack select NAME` fails with "no stack named" (exit 6), `stack ls --json` prints `[]`
(as Pulumi CLI 3.259.0 does). The
stand-in logs each call and the passphrase settings it was given.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fleet.stack.load import load_stack_file
from tests.paths import ROOT, STACK_FILES

VENV = Path(sys.prefix)
STACKS = " ".join(
    sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in STACK_FILES)
)
NO_PULUMI = "make: the Pulumi CLI is not on PATH (see README, Quick start)"
PULUMI_WITHOUT_STACKS = """#!/bin/sh
phrase=${PULUMI_CONFIG_PASSPHRASE-unset}
echo "$* passphrase=$phrase file=${PULUMI_CONFIG_PASSPHRASE_FILE-unset}" >> "$PULUMI_LOG"
case "$*" in
  *"stack ls"*) echo "[]" ;;
  *"stack select --create"*) exit 0 ;;
  *"stack select"*) echo "error: no stack named '$3' found" >&2; exit 6 ;;
  *) echo "error: no stack selected" >&2; exit 6 ;;
esac
"""

# A stand-in for the engine's handling of stack config on a file backend: `stack init
# NAME --cwd DIR` adds a salt to DIR's stack config file (as the engine does, rewriting
# it), `stack select NAME` finds a stack made so; `preview` logs the config file it got.
PULUMI_WRITING_SALTS = """#!/bin/sh
echo "$*" >> "$PULUMI_LOG"
case "$*" in
  *"stack init"*)
    dir=$(echo "$*" | sed -n 's/.*--cwd \\([^ ]*\\).*/\\1/p')
    echo "encryptionsalt: v1:stand-in-salt" >> "$dir/stacks/Pulumi.$4.yaml"
    touch "$PULUMI_LOG.$4" ;;
  *"stack select"*) test -e "$PULUMI_LOG.$4" ;;
  *"preview"*)
    config=$(echo "$*" | sed -n 's/.*--config-file \\([^ ]*\\).*/\\1/p')
    cp "$config" "$PULUMI_LOG.config" ;;
  *) exit 6 ;;
esac
"""


def make(
    tmp_path: Path,
    *targets: str,
    pulumi: bool,
    env: dict[str, str] | None = None,
    stand_in: str = PULUMI_WITHOUT_STACKS,
) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "checkout"
    if not work.exists():
        shutil.copytree(ROOT / "stacks", work / "stacks")
    shutil.copyfile(ROOT / "Pulumi.yaml", work / "Pulumi.yaml")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if pulumi:
        (bin_dir / "pulumi").write_text(stand_in)
        (bin_dir / "pulumi").chmod(0o755)
    base = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
    base.pop("MAKEFLAGS", None)
    base |= {"PATH": f"{bin_dir}:/usr/bin:/bin", "PULUMI_LOG": str(tmp_path / "pulumi.log")}
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-f",
            str(ROOT / "Makefile"),
            f"VENV={VENV}",
            "-o",
            f"{VENV}/.installed",
            *targets,
        ],
        cwd=work,
        env=base | (env or {}),
        capture_output=True,
        text=True,
        check=False,
    )


KIND_KUBECONFIG = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: t0ken}}]"
PULUMI_WITH_A_KIND_STACK = f"""#!/bin/sh
echo "$*" >> "$PULUMI_LOG"
case "$*" in
  *"stack output kubeconfig --show-secrets"*) printf '%s\\n' '{KIND_KUBECONFIG}' ;;
  *"stack select"*) exit 0 ;;
  *) echo "error: not answered by this stand-in" >&2; exit 6 ;;
esac
"""


def test_evidence_keeps_a_kind_stacks_kubeconfig_mode_600_over_an_old_file(
    tmp_path: Path,
) -> None:
    """Even where an interrupted run left the temporary file readable by others (a
    redirect keeps the mode of a file already there)."""
    assert make(tmp_path, "check", "STACK=lesson1", pulumi=False).returncode == 0
    evidence = tmp_path / "checkout" / "evidence" / "lesson1"
    evidence.mkdir(parents=True)
    (evidence / "kubeconfig.tmp").write_text("left over\n")
    (evidence / "kubeconfig.tmp").chmod(0o644)
    (tmp_path / "bin" / "pulumi").write_text(PULUMI_WITH_A_KIND_STACK)
    (tmp_path / "bin" / "pulumi").chmod(0o755)
    run = make(tmp_path, "evidence", "STACK=lesson1", pulumi=False)
    # The stand-in's kubeconfig names no server: `fleet evidence` then refuses it.
    assert run.returncode != 0
    kept = evidence / "kubeconfig"
    assert kept.read_text() == KIND_KUBECONFIG + "\n", run.stderr
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert not (evidence / "kubeconfig.tmp").exists()


def pulumi_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "pulumi.log"
    return log.read_text().splitlines() if log.exists() else []


def left_behind(tmp_path: Path) -> list[str]:
    work = tmp_path / "checkout"
    return sorted(
        path.name for path in work.iterdir() if path.name not in ("stacks", "Pulumi.yaml")
    )


@pytest.mark.parametrize("target", ["check", "up", "preview", "down", "evidence", "report"])
def test_a_stack_without_a_file_is_refused_listing_the_stacks(target: str, tmp_path: Path) -> None:
    run = make(tmp_path, target, "STACK=lesson2", pulumi=True)
    assert run.returncode == 2
    assert (
        "make: no stack lesson2: stacks/Pulumi.lesson2.yaml does not exist; "
        f"the stacks are: {STACKS}"
    ) in run.stderr
    assert pulumi_calls(tmp_path) == []
    assert left_behind(tmp_path) == []


@pytest.mark.parametrize("target", ["up", "preview", "down", "evidence"])
def test_a_missing_pulumi_is_named_alike_and_nothing_is_left(target: str, tmp_path: Path) -> None:
    run = make(tmp_path, target, "STACK=lesson1", pulumi=False)
    assert run.returncode == 2
    assert NO_PULUMI in run.stderr
    assert "not found" not in run.stderr
    assert left_behind(tmp_path) == []


@pytest.mark.parametrize("target", ["down", "evidence"])
def test_a_stack_without_state_is_refused_and_not_created(target: str, tmp_path: Path) -> None:
    run = make(tmp_path, target, "STACK=lesson1", pulumi=True)
    assert run.returncode == 2
    assert "make: stack lesson1 has no state in file://" in run.stderr
    assert "stacks with state: none" in run.stderr
    calls = pulumi_calls(tmp_path)
    assert calls, run.stderr
    assert not [call for call in calls if "--create" in call or "destroy" in call]
    assert "evidence" not in left_behind(tmp_path)


def test_the_state_folder_and_the_generated_passphrase_are_private(tmp_path: Path) -> None:
    make(tmp_path, "down", "STACK=lesson1", pulumi=True)
    work = tmp_path / "checkout"
    assert stat.S_IMODE((work / ".pulumi-state").stat().st_mode) == 0o700
    passphrase = work / ".pulumi-passphrase"
    assert stat.S_IMODE(passphrase.stat().st_mode) == 0o600
    assert len(passphrase.read_text().strip()) >= 32
    assert f"passphrase=unset file={passphrase}" in pulumi_calls(tmp_path)[0]


def test_each_checkout_gets_its_own_passphrase_and_keeps_it(tmp_path: Path) -> None:
    make(tmp_path / "one", "down", pulumi=True)
    make(tmp_path / "two", "down", pulumi=True)
    first = (tmp_path / "one" / "checkout" / ".pulumi-passphrase").read_text()
    assert first != (tmp_path / "two" / "checkout" / ".pulumi-passphrase").read_text()
    make(tmp_path / "one", "down", pulumi=True)
    assert (tmp_path / "one" / "checkout" / ".pulumi-passphrase").read_text() == first


@pytest.mark.parametrize(
    "setting", ["PULUMI_CONFIG_PASSPHRASE=mine", "PULUMI_CONFIG_PASSPHRASE_FILE=/my/file"]
)
def test_a_passphrase_of_ones_own_is_used_instead(setting: str, tmp_path: Path) -> None:
    key, value = setting.split("=")
    make(tmp_path, "down", pulumi=True, env={key: value})
    assert not (tmp_path / "checkout" / ".pulumi-passphrase").exists()
    expected = f"passphrase={value} file=unset" if key.endswith("PHRASE") else f"file={value}"
    assert expected in pulumi_calls(tmp_path)[0]


def test_state_from_before_the_generated_passphrase_keeps_the_old_one(tmp_path: Path) -> None:
    """Stacks written with the former shared default stay readable: that passphrase is kept."""
    stacks = tmp_path / "checkout" / ".pulumi-state" / ".pulumi" / "stacks" / "gpu-fleet"
    stacks.mkdir(parents=True)
    (stacks / "lesson1.json").write_text("{}")
    shutil.copytree(ROOT / "stacks", tmp_path / "checkout" / "stacks")
    run = make(tmp_path, "down", pulumi=True)
    assert "holds stacks encrypted with the old shared passphrase" in run.stderr
    passphrase = tmp_path / "checkout" / ".pulumi-passphrase"
    assert passphrase.read_text() == "gpu-fleet-local\n"
    assert stat.S_IMODE(passphrase.stat().st_mode) == 0o600


@pytest.mark.parametrize("stack", ["lesson1", "lesson1-dra"])
def test_report_works_offline_on_the_shipped_recorded_evidence(stack: str, tmp_path: Path) -> None:
    """No cluster, no pulumi, no evidence of one's own: the shipped evidence is reported
    on, and the report says where that evidence came from."""
    shutil.copytree(ROOT / "examples" / "evidence", tmp_path / "checkout" / "examples" / "evidence")
    shutil.copytree(ROOT / "stacks", tmp_path / "checkout" / "stacks")
    run = make(tmp_path, "report", f"STACK={stack}", pulumi=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"reporting on the shipped examples/evidence/{stack}" in run.stderr
    report = (tmp_path / "checkout" / "reports" / f"{stack}.md").read_text()
    assert report == run.stdout
    assert "**Result: PASS**" in report
    assert "Provenance: recorded by the kind tier (`make record-evidence`)" in report
    assert "| Running | 32 | 32 | PASS |" in report
    assert "| Pending | 11 | 11 | PASS |" in report
    assert (tmp_path / "checkout" / "reports" / f"{stack}.html").is_file()
    shipped = tmp_path / "checkout" / "examples" / "evidence" / stack
    assert sorted(path.name for path in shipped.iterdir()) == sorted(
        path.name for path in (ROOT / "examples" / "evidence" / stack).iterdir()
    )


def test_the_engine_reads_a_copy_and_the_stack_file_is_left_as_it_is(tmp_path: Path) -> None:
    """`make preview` twice: the stack is created once, on a copy that takes the engine's
    salt; each command gets the stack file's text with that salt, the stack file none."""
    for _ in range(2):
        run = make(tmp_path, "preview", pulumi=True, stand_in=PULUMI_WRITING_SALTS)
        assert run.returncode == 0, run.stdout + run.stderr
    tracked = (ROOT / "stacks" / "Pulumi.lesson1.yaml").read_text()
    assert (tmp_path / "checkout" / "stacks" / "Pulumi.lesson1.yaml").read_text() == tracked
    given = (tmp_path / "pulumi.log.config").read_text()
    assert given == tracked + "encryptionsalt: v1:stand-in-salt\n"
    calls = pulumi_calls(tmp_path)
    assert len([call for call in calls if "stack init lesson1" in call]) == 1
    copy = tmp_path / "checkout" / ".pulumi-state" / "project" / "stacks" / "Pulumi.lesson1.yaml"
    assert [call for call in calls if "preview" in call] == [
        f"--non-interactive preview --diff --stack lesson1 --config-file {copy}"
    ] * 2


@pytest.mark.parametrize("stack", ["lesson1", "lesson1-dra"])
def test_the_shipped_evidence_is_of_the_stacks_fleet(stack: str) -> None:
    """Recorded from the stack file's own stack on kind, its pools, offer and demo unchanged:
    a change to those in stacks/ needs `make record-evidence`."""
    recorded = json.loads((ROOT / "examples" / "evidence" / stack / "evidence.json").read_text())
    declared = load_stack_file(ROOT / "stacks" / f"Pulumi.{stack}.yaml")
    spec = declared.model_dump(mode="json", by_alias=True)
    for key in ("pools", "gpuOffer", "demo"):
        found = recorded["spec"][key]
        if isinstance(found, dict):
            # A key the model gained after the recording reads as its default, None.
            found = {**dict.fromkeys(spec[key]), **found}
        if key == "pools":  # and so does a key a pool gained (its topology)
            found = {name: {**dict.fromkeys(spec[key][name]), **p} for name, p in found.items()}
        assert found == spec[key], key
    assert recorded["provenance"].startswith("recorded by the kind tier")
