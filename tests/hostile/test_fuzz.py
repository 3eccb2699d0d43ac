"""Seeded, bounded fuzzing of every command with random and mutated inputs.

Each command gets valid seed inputs and mutations of them: flipped, dropped,
repeated and truncated bytes, and hostile snippets (bad bytes, deep nesting,
aliases, huge numbers and strings, long lines) spliced in. Every run must end
with exit 0 or 2 (report: 1 too, a failed row of valid evidence), without a
traceback, with stderr under 20 kB, within 10 s, and leave its input as it was.
The network is cut off for the whole test.
"""

import hashlib
import random
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fleet.evidence.document import save_evidence
from fleet.evidence.observe import build_evidence
from fleet.evidence.read import ClusterSnapshot
from fleet.stack.load import load_stack_file
from lab.recorded import LESSON1_STACK, lesson1_cluster, version_body
from tests.hostile.run import Run, run_fleet
from tests.paths import FIXTURES, STACKS_DIR

SEED = 11
CASES_PER_COMMAND = 100
SMI_CAPTURES = sorted((FIXTURES / "nvidia-smi").iterdir())
TOPOLOGY = FIXTURES / "topology" / "small.json"
STACKS = [STACKS_DIR / f"Pulumi.{name}.yaml" for name in ("lesson1", "medium", "existing")]
# Parses as a kubeconfig but names no server, so the client never connects.
KUBECONFIG = (
    "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
    "clusters: [{name: k, cluster: {insecure-skip-tls-verify: true}}]\n"
    "users: [{name: u, user: {token: t}}]\n"
    "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
)
SNIPPETS = (
    b"\xff",
    b"\xc3",
    b"\x00",
    b"\r\n",
    b"\t",
    b"\xef\xbb\xbf",
    b"[" * 300,
    b"{" * 300,
    b"- " * 100,
    b"&a [*a, *a]",
    b"*nope",
    b"? [a, b]\n: 1\n",
    b"<<: 5\n",
    b"!!python/name:os.system ",
    b"---\n",
    b"9" * 5000,
    b"-0x" + b"f" * 100,
    b"1e99999",
    b"x" * 100_000,
    b" " * 5000,
    b'"\\u12',
    b"NaN",
    b"| 0 " + b" " * 3000,
    b"GPU 0: " + b" (UUID: " * 500,
    b"0MiB / " + b"9" * 3000 + b"MiB",
    b"a: &x [1,1,1,1,1,1,1,1,1,1]\nb: &y [*x,*x,*x,*x,*x,*x,*x,*x,*x,*x]\nc: [*y,*y,*y,*y,*y,*y]\n",
)


def fuzz_random(stream: str) -> random.Random:
    """A seeded generator per stream, so that each command's cases are reproducible."""
    return random.Random(f"{SEED}-{stream}")  # noqa: S311 - test data, not secrets


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three random edits of `data`."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(data) + 1)
        end = min(len(data), at + rng.randint(1, 64))
        kind = rng.randrange(6)
        if kind == 0 and data:
            data = data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
        elif kind == 1:
            data = data[:at] + data[end:]
        elif kind == 2:
            data = data[:at] + data[at:end] * rng.randint(2, 50) + data[end:]
        elif kind == 3:
            data = data[:at]
        else:
            data = data[:at] + rng.choice(SNIPPETS) + data[at:]
    return data


def cases(seeds: list[bytes], rng: random.Random) -> Iterator[bytes]:
    """The seeds themselves, a few random byte strings, then mutations of the seeds."""
    yield from seeds
    for _ in range(3):
        yield bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
    for _ in range(CASES_PER_COMMAND - len(seeds) - 3):
        yield mutate(rng.choice(seeds), rng)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def lesson1_evidence(folder: Path) -> bytes:
    """`evidence.json` of the recorded lesson-1 cluster, built without an API server."""
    cluster = lesson1_cluster()
    snapshot = ClusterSnapshot(
        version=version_body(),
        nodes=cluster.nodes,
        pods=cluster.pods,
        events=cluster.events,
        deployments=cluster.deployments,
        daemonsets=cluster.daemonsets,
    )
    evidence = build_evidence(
        snapshot, load_stack_file(LESSON1_STACK), LESSON1_STACK.name, datetime.now(UTC)
    )
    return save_evidence(evidence, folder).read_bytes()


Command = Callable[[Path, int], tuple[list[str], bytes | None]]


def check_every_case(
    name: str, seeds: list[bytes], input_path: Path, argv: Command, allowed: tuple[int, ...]
) -> int:
    """Runs the command on every case; returns how many were valid (exit 0)."""
    rng = fuzz_random(name)
    valid = 0
    for number, data in enumerate(cases(seeds, rng)):
        input_path.write_bytes(data)
        args, stdin = argv(input_path, number)
        run: Run = run_fleet(args, stdin)
        context = f"{name} case {number}: {data[:200]!r}\n{run.err[-3000:]}"
        assert run.code in allowed, context
        assert "Traceback" not in run.err, context
        assert len(run.err) < 20_000, context
        assert hashlib.sha256(input_path.read_bytes()).digest() == hashlib.sha256(data).digest()
        valid += run.code == 0
    return valid


@pytest.mark.parametrize("command", ["check", "manifests", "expect"])
def test_fuzz_stack_commands(command: str, tmp_path: Path) -> None:
    seeds = [path.read_bytes() for path in STACKS]
    valid = check_every_case(
        command,
        seeds,
        tmp_path / "Pulumi.fuzz.yaml",
        lambda path, _: ([command, str(path)], None),
        (0, 2),
    )
    assert valid >= len(seeds)


def test_fuzz_import_topology(tmp_path: Path) -> None:
    def argv(path: Path, number: int) -> tuple[list[str], bytes | None]:
        stack = f"s{number}"
        return ["import-topology", str(path), "--stack", stack, "--stacks-dir", str(tmp_path)], None

    assert check_every_case(
        "import-topology", [TOPOLOGY.read_bytes()], tmp_path / "t.json", argv, (0, 2)
    )


@pytest.mark.parametrize("stdin", [False, True], ids=["file", "stdin"])
def test_fuzz_pool_from_nvidia_smi(stdin: bool, tmp_path: Path) -> None:
    def argv(path: Path, _: int) -> tuple[list[str], bytes | None]:
        if stdin:
            return ["pool-from-nvidia-smi", "-"], path.read_bytes()
        return ["pool-from-nvidia-smi", str(path), "--nodes", "2"], None

    seeds = [path.read_bytes() for path in SMI_CAPTURES]
    name = f"pool-from-nvidia-smi-{stdin}"
    assert check_every_case(name, seeds, tmp_path / "smi.txt", argv, (0, 2)) >= len(seeds)


def test_fuzz_into_stack_leaves_a_refused_stack_alone(tmp_path: Path) -> None:
    """The stack file is the output here: a refused edit must leave it byte for byte."""
    capture = str(SMI_CAPTURES[0])
    rng = fuzz_random("into-stack")
    for number, data in enumerate(cases([STACKS[0].read_bytes()], rng)):
        path = tmp_path / f"Pulumi.s{number}.yaml"
        path.write_bytes(data)
        args = ["pool-from-nvidia-smi", capture, "--into-stack", f"s{number}"]
        run = run_fleet([*args, "--stacks-dir", str(tmp_path), "--pool", "fuzz"])
        assert run.code in (0, 2), f"case {number}: {data[:200]!r}\n{run.err[-3000:]}"
        assert "Traceback" not in run.err
        if run.code == 2:
            assert path.read_bytes() == data


def test_fuzz_report(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    seeds = [lesson1_evidence(folder)]

    def argv(_: Path, number: int) -> tuple[list[str], bytes | None]:
        return ["report", str(folder), "--out", str(tmp_path / f"report-{number}.md")], None

    valid = check_every_case("report", seeds, folder / "evidence.json", argv, (0, 1, 2))
    assert valid >= 1


@pytest.mark.filterwarnings("ignore:URLs without a scheme:FutureWarning")
def test_fuzz_evidence_kubeconfig_and_stack(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)

    def with_kubeconfig(path: Path, number: int) -> tuple[list[str], bytes | None]:
        out = str(tmp_path / f"ev-{number}")
        return [
            "evidence",
            "--stack",
            str(LESSON1_STACK),
            "--kubeconfig",
            str(path),
            "--out",
            out,
        ], None

    def with_stack(path: Path, number: int) -> tuple[list[str], bytes | None]:
        out = str(tmp_path / f"ev-s{number}")
        return [
            "evidence",
            "--stack",
            str(path),
            "--kubeconfig",
            str(kubeconfig),
            "--out",
            out,
        ], None

    seeds = [KUBECONFIG.encode()]
    check_every_case("evidence-kubeconfig", seeds, tmp_path / "kc", with_kubeconfig, (2,))
    check_every_case(
        "evidence-stack", [STACKS[0].read_bytes()], tmp_path / "s.yaml", with_stack, (2,)
    )
