"""Every command on each class of hostile input: exit 2, file and key or line named, no damage."""

import hashlib
from pathlib import Path

import pytest
from rich.console import Console

from fleet.commands import expect
from fleet.files.files_in import MAX_ECHO
from fleet.stack import project
from lab.heaviest import BACKTRACKING
from tests.hostile.run import LESSON1, Write, run_fleet
from tests.paths import FIXTURES, STACKS_DIR

H100_CSV = FIXTURES / "nvidia-smi" / "h100-query.csv"
TOPOLOGY = FIXTURES / "topology" / "small.json"
STACK_COMMANDS = ("check", "manifests", "expect")
# Nine levels of ten aliases: 10**9 values once expanded.
LAUGHS = "x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]\n" for i in range(1, 9)
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lesson1_with(old: str, new: str) -> str:
    assert old in LESSON1
    return LESSON1.replace(old, new, 1)


HOSTILE_STACKS: dict[str, tuple[str | bytes, str]] = {
    "not-utf8": (b"config:\n  gpu-fleet:cluster: caf\xe9\n", "not UTF-8 text: line 2"),
    "deep": ("config:\n  gpu-fleet:operator:\n    values: " + "[" * 5000, "nested deeper"),
    "laughs-in-nodes": (
        LAUGHS + lesson1_with("nodes: 2", "nodes: *x8"),
        "once aliases are expanded",
    ),
    "laughs-in-operator-values": (
        LAUGHS + LESSON1 + "  gpu-fleet:operator:\n    values: {x: *x8}\n",
        "once aliases are expanded",
    ),
    "complex-key": ("config:\n  ? [a, b]\n  : 1\n", "line 2, column 5: a key must be a plain"),
    "huge-count": (lesson1_with("nodes: 2", "nodes: " + "9" * 5000), "a number of 5,000"),
    "long-value": (
        lesson1_with("NVIDIA-L40S", "x" * 100_000),
        "gpu-fleet:pools.l40s.product: String should have at most 63 characters",
    ),
    "oversized-gpus": (
        LESSON1 + "    oversizedGpus: 1000000\n",
        "gpu-fleet:demo.oversizedGpus: Input should be less than or equal to 192000",
    ),
    "unknown-top-key": (LESSON1 + "  gpu-fleet:demoo: {}\n", "gpu-fleet:demoo: unknown key"),
}


@pytest.mark.parametrize("command", STACK_COMMANDS)
@pytest.mark.parametrize("case", HOSTILE_STACKS, ids=str)
def test_hostile_stack_files(command: str, case: str, write: Write) -> None:
    content, expected = HOSTILE_STACKS[case]
    path = write("Pulumi.hostile.yaml", content)
    before = digest(path)
    run = run_fleet([command, str(path)])
    # A file that is not text is named as such, not as an invalid spec.
    heading = f"{path}: not UTF-8" if case == "not-utf8" else f"{path}: invalid fleet spec"
    run.assert_refused(heading, expected)
    assert run.out == ""
    assert digest(path) == before


def test_a_long_value_is_not_echoed_whole(write: Write) -> None:
    path = write(
        "Pulumi.long.yaml", lesson1_with("a100:\n", "a100:\n      extra: " + "y" * 100_000 + "\n")
    )
    run = run_fleet(["check", str(path)])
    run.assert_refused("gpu-fleet:pools.a100.extra: unknown key")
    assert len(run.err) < 4 * MAX_ECHO + 200


def test_thousands_of_problems_are_counted_not_listed(write: Write) -> None:
    pools = "".join(f"    p{i}: {{nodes: 0}}\n" for i in range(1000))
    path = write(
        "Pulumi.many.yaml",
        "config:\n  gpu-fleet:cluster: {mode: kind}\n  gpu-fleet:pools:\n" + pools,
    )
    run = run_fleet(["check", str(path)])
    run.assert_refused("... and ")
    assert len(run.err.splitlines()) == 22


@pytest.mark.parametrize("target", ["/dev/zero", "{tmp}"])
def test_unbounded_or_wrong_kinds_of_file(target: str, tmp_path: Path) -> None:
    path = target.format(tmp=tmp_path)
    run = run_fleet(["check", path])
    run.assert_refused(path)
    assert "larger than 1 MiB" in run.err or "a folder, not a file" in run.err


def test_narrow_terminal_keeps_numbers_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    run = run_fleet(["check", str(STACKS_DIR / "Pulumi.large-1k.yaml")])
    assert run.code == 0
    assert "…" not in run.out
    for number in ("81920", "46068", "1000", "6400"):
        assert number in run.out


def test_names_are_never_broken_across_lines_in_an_80_column_pipe(write: Write) -> None:
    """A fleet wider than 80 columns (long pool names, 10,000 nodes) printed into a pipe:
    every pool name and product stays whole on its line, for grep and copy."""
    pools = {
        "a100-training-east": ("NVIDIA-A100-SXM4-80GB", 5000),
        "h100-inference": ("NVIDIA-H100-80GB-HBM3", 5000),
    }
    lines = "".join(
        f"    {name}: {{nodes: {nodes}, gpusPerNode: 8, product: {product}}}\n"
        for name, (product, nodes) in pools.items()
    )
    path = write(
        "Pulumi.wide.yaml",
        "config:\n  gpu-fleet:cluster: {mode: kind}\n  gpu-fleet:nodeResources: perPool\n"
        "  gpu-fleet:operator: {version: 0.2.0}\n  gpu-fleet:pools:\n" + lines,
    )
    run = run_fleet(["check", str(path)])
    assert run.code == 0, run.err
    rows = [line for line in run.out.splitlines() if line.startswith("│")]
    for name, (product, _) in pools.items():
        assert any(name in row and product in row for row in rows), run.out


def narrow_terminal(stderr: bool = False) -> Console:
    """A terminal 30 columns wide (no colours, so that the text is plain)."""
    return Console(stderr=stderr, force_terminal=True, width=30, color_system=None, soft_wrap=True)


def test_expect_on_a_narrow_terminal_keeps_numbers_whole(
    monkeypatch: pytest.MonkeyPatch, write: Write
) -> None:
    monkeypatch.setattr(expect, "console", narrow_terminal)
    path = write("Pulumi.q.yaml", lesson1_with("queueReplicas: 40", "queueReplicas: 98765"))
    run = run_fleet(["expect", str(path)])
    assert run.code == 0
    assert "…" not in run.out
    assert "98734" in run.out  # the queue's Pending pods


# --- import-topology ---------------------------------------------------------------------


def test_stacks_dir_that_is_a_file(write: Write) -> None:
    not_a_folder = write("stacks", "x")
    run = run_fleet(
        ["import-topology", str(TOPOLOGY), "--stack", "s", "--stacks-dir", str(not_a_folder)]
    )
    run.assert_refused(
        f"{not_a_folder}/Pulumi.s.yaml: cannot write here: {not_a_folder} is not a folder"
    )
    assert not_a_folder.read_text() == "x"


def test_stack_file_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.s.yaml").mkdir()
    args = [
        "import-topology",
        str(TOPOLOGY),
        "--stack",
        "s",
        "--stacks-dir",
        str(tmp_path),
        "--force",
    ]
    run_fleet(args).assert_refused(f"{tmp_path}/Pulumi.s.yaml: is a folder; give a file name")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"pools": {"a": "\xff"}}', "not UTF-8 text: line 1"),
        ("[" * 100_000, "nested deeper than 64 levels"),
        ('{"pools": {"a": {"nodes": ' + "9" * 5000 + "}}}", "a number of 5,000 characters"),
    ],
    ids=["not-utf8", "deep", "huge-count"],
)
def test_hostile_topology_files(
    content: str | bytes, expected: str, write: Write, tmp_path: Path
) -> None:
    source = write("topology.json", content)
    args = ["import-topology", str(source), "--stack", "s", "--stacks-dir", str(tmp_path / "st")]
    run_fleet(args).assert_refused(str(source), expected)
    assert not (tmp_path / "st").exists()


# --- pool-from-nvidia-smi ----------------------------------------------------------------


@pytest.mark.parametrize("case", BACKTRACKING)
def test_nvidia_smi_lines_that_made_old_patterns_backtrack_are_refused(
    case: str, write: Write
) -> None:
    """(`make bench` times them: they took minutes with the old patterns.)"""
    path = write("smi.txt", BACKTRACKING[case])
    run_fleet(["pool-from-nvidia-smi", str(path)]).assert_refused(str(path))


def test_nvidia_smi_from_standard_input_that_is_not_utf8() -> None:
    run_fleet(["pool-from-nvidia-smi"], stdin=b"GPU 0: \xff\n").assert_refused(
        "<stdin>: not UTF-8 text: line 1, byte offset 7 (byte 0xff)"
    )


def _into(stacks: Path, stack: str, *extra: str) -> list[str]:
    return [
        "pool-from-nvidia-smi",
        str(H100_CSV),
        "--into-stack",
        stack,
        "--stacks-dir",
        str(stacks),
        *extra,
    ]


def test_into_a_symlinked_stack_updates_the_target(tmp_path: Path) -> None:
    real = tmp_path / "kept" / "lesson1.yaml"
    real.parent.mkdir()
    real.write_text(LESSON1)
    real.chmod(0o640)
    (tmp_path / "stacks").mkdir()
    link = tmp_path / "stacks" / "Pulumi.lesson1.yaml"
    link.symlink_to(real)
    assert run_fleet(_into(tmp_path / "stacks", "lesson1", "--pool", "h100b")).code == 0
    assert link.is_symlink()
    assert "h100b:" in real.read_text()
    assert (real.stat().st_mode & 0o777) == 0o640


def test_into_a_crlf_stack_keeps_crlf(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.crlf.yaml"
    path.write_bytes(LESSON1.replace("\n", "\r\n").encode())
    assert run_fleet(_into(tmp_path, "crlf", "--pool", "h100b")).code == 0
    data = path.read_bytes()
    assert b"h100b:" in data
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.startswith(LESSON1.split("  gpu-fleet:pools:")[0].replace("\n", "\r\n").encode())


def test_into_a_stack_whose_pool_is_an_alias_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.alias.yaml"
    path.write_text(
        "config:\n  gpu-fleet:cluster: {mode: kind}\n  gpu-fleet:pools:\n"
        "    a100: &p {nodes: 1, gpusPerNode: 8, product: NVIDIA-L40S}\n    h100: *p\n"
    )
    before = digest(path)
    run = run_fleet(_into(tmp_path, "alias", "--force"))
    run.assert_refused(f"{path}: cannot add the pool without rewriting gpu-fleet:pools")
    assert digest(path) == before


def test_into_a_stack_that_is_a_folder_is_refused_before_reading_input(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.dir.yaml").mkdir()
    run = run_fleet(
        ["pool-from-nvidia-smi", "/dev/zero", "--into-stack", "dir", "--stacks-dir", str(tmp_path)]
    )
    run.assert_refused(f"{tmp_path}/Pulumi.dir.yaml: is a folder")


def test_stacks_dir_defaults_to_stack_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: gpu-fleet\nstackConfigDir: conf\n")
    monkeypatch.setattr(project, "PROJECT_DIR", tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run_fleet(["import-topology", str(TOPOLOGY), "--stack", "s"]).code == 0
    assert (tmp_path / "conf" / "Pulumi.s.yaml").is_file()


def test_a_broken_pulumi_yaml_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Pulumi.yaml").write_bytes(b"stackConfigDir: \xff\n")
    monkeypatch.setattr(project, "PROJECT_DIR", tmp_path)
    run = run_fleet(["import-topology", str(TOPOLOGY), "--stack", "s"])
    run.assert_refused(f"{tmp_path / 'Pulumi.yaml'}: not UTF-8 text: line 1")
