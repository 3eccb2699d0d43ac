"""`make demo`: lesson 1 end to end on the e2e tier's lab, without Docker or kind.

The lab is the one the e2e scenarios use: a kwokctl control plane (binary runtime) with
its KWOK controller, fake-gpu-operator's commands on the host, and the real Pulumi engine
(the user's CLI when it is the pinned version, else the lab's: `lab.tools` says which
route gave each tool). On it the lesson-1 fleet of `stacks/Pulumi.lesson1.yaml` is
brought up, settles, and its evidence and report are written; then everything is torn
down, or kept until Ctrl-C with `--keep`.

Run as `python -m lab.demo [--keep] [--out DIR]`.
"""

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from pulumi.automation import CommandError

from fleet.demo.plan import plan_demo
from fleet.stack import versions
from fleet.stack.load import load_stack_file
from fleet.stack.spec import PROJECT
from lab import charts, host_processes, kube, steps, tools
from lab.cluster import Cluster, ClusterError, kwok_cluster
from lab.dynamic_provider import ensure_dynamic_provider_plugin
from lab.engine import FleetStack
from lab.lesson1 import OPERATOR_NAMESPACE, lesson1_config
from lab.paths import ROOT
from lab.pins import (
    CONTROL_PLANE_TOOLS,
    ENGINE_TOOLS,
    OPERATOR_DRA_VERSION,
    OPERATOR_TOOLS,
    TELEMETRY_TOOLS,
)
from lab.telemetry_host import exporter_command, prometheus_command, wait_for_alerts
from lab.waits import settle

LESSON = ROOT / "stacks" / "Pulumi.lesson1.yaml"
LESSON_POOLS = yaml.safe_load(LESSON.read_text())["config"][f"{PROJECT}:pools"]
DEFAULT_OUT = ROOT / "evidence" / "demo"
# Only what lesson 1 needs: not the DRA operator release the e2e tier also builds.
DEMO_TOOLS = (
    CONTROL_PLANE_TOOLS
    + ENGINE_TOOLS
    + tuple(tool for tool in OPERATOR_TOOLS if tool.version == versions.OPERATOR_VERSION)
)
# With --telemetry: the operator release with the KWOK exporter, its device-plugin
# commands, the exporter and Prometheus.
TELEMETRY_DEMO_TOOLS = (
    CONTROL_PLANE_TOOLS
    + ENGINE_TOOLS
    + tuple(
        tool
        for tool in OPERATOR_TOOLS
        if tool.version == OPERATOR_DRA_VERSION
        and tool.name in host_processes.DEVICE_PLUGIN_COMMANDS
    )
    + TELEMETRY_TOOLS
)
# The alert lesson 1 is expected to fire (every pool is full), after this long.
POOL_FULL_MINUTES = 1
HEARTBEAT_SECONDS = 30.0
PROVENANCE = (
    "written by `make demo` from a live run: the real Pulumi engine {pulumi} on a kwokctl "
    "control plane (binary runtime, Kubernetes {kubernetes}) with KWOK's controller and "
    "fake-gpu-operator {operator}'s commands running on the host; not a kind cluster."
)


class DemoFailed(RuntimeError):
    """The demo ran but its outcome is not the lesson's; the message says what differs."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lab.demo",
        description="Lesson 1 on a local kwokctl control plane (no Docker, no kind).",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the cluster running after the report (its kubeconfig is printed); "
        "Ctrl-C then tears it down",
    )
    parser.add_argument(
        "--telemetry",
        action="store_true",
        help=f"GPU telemetry too: fake-gpu-operator {OPERATOR_DRA_VERSION} with its KWOK "
        "exporter and a Prometheus on the host; the report gets its telemetry rows",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"folder for the evidence and report.md (default: {DEFAULT_OUT})",
    )
    return parser.parse_args(argv)


@contextmanager
def heartbeat(what: str) -> Iterator[None]:
    """A line every HEARTBEAT_SECONDS while `what` runs: a cold Go build is silent for minutes."""
    started = time.monotonic()

    def beat() -> None:
        print(f"  ... {what}: {time.monotonic() - started:.0f}s so far", flush=True)

    with steps.repeating(beat, HEARTBEAT_SECONDS):
        yield


def prepare_tools(telemetry: bool) -> tuple[dict[str, Path], tools.Engine]:
    step = "tools: installed, cached, downloaded or built (cold: tens of minutes; cached after)"
    with steps.step(step):
        print(f"  cache {tools.cache_dir()}", flush=True)
        with heartbeat("building tools"):
            binaries = tools.ensure_tools(TELEMETRY_DEMO_TOOLS if telemetry else DEMO_TOOLS)
            engine = tools.ensure_engine(binaries)
            # Lesson 1's pools keep their nodes' status by a Python dynamic provider.
            ensure_dynamic_provider_plugin(engine)
            chart = charts.operator_chart(
                OPERATOR_DRA_VERSION if telemetry else versions.OPERATOR_VERSION
            )
    mine = engine.bin_dir.is_relative_to(tools.cache_dir())
    owner = "the lab's, in the cache" if mine else "yours, the pinned version"
    print(f"  Pulumi CLI {engine.bin_dir / 'pulumi'} ({owner})", flush=True)
    print(f"  operator chart {chart}", flush=True)
    return binaries, engine


def lesson_config(cluster: Cluster, telemetry: bool = False) -> dict[str, Any]:
    """Lesson 1's pools and demo as its stack file declares them, on the lab's cluster;
    with `telemetry`, the operator that has the KWOK exporter and a monitoring section
    (the chart assembled offline; its pods cannot start here, Prometheus runs on the host)."""
    declared = yaml.safe_load(LESSON.read_text())["config"]
    config = lesson1_config(cluster, declared[f"{PROJECT}:pools"])
    config["demo"] = declared[f"{PROJECT}:demo"]
    if telemetry:
        config["operator"].update(
            version=OPERATOR_DRA_VERSION, chart=str(charts.operator_chart(OPERATOR_DRA_VERSION))
        )
        config["monitoring"] = {
            "enabled": True,
            "chart": str(charts.prometheus_chart()),
            "wait": False,
            "poolFullMinutes": POOL_FULL_MINUTES,
        }
    return config


def evidence_and_report(
    stack: FleetStack, out: Path, prometheus: str | None = None
) -> dict[str, Any]:
    """`fleet evidence` then `fleet report` (which prints the table); the evidence document."""
    spec = load_stack_file(stack.stack_file)
    provenance = PROVENANCE.format(
        pulumi=versions.PULUMI_VERSION,
        kubernetes=versions.KUBERNETES_VERSION,
        operator=spec.operator.version,
    )
    fleet = [sys.executable, "-m", "fleet"]
    evidence = [*fleet, "evidence", "--stack", str(stack.stack_file), "--out", str(out)]
    evidence += ["--prometheus", prometheus] if prometheus else []
    with steps.step("evidence and report"):
        subprocess.run([*evidence, "--provenance", provenance], cwd=ROOT, check=True)
        report = subprocess.run([*fleet, "report", str(out)], cwd=ROOT, check=False)
    if report.returncode != 0:
        raise DemoFailed(f"the report has a failing row (see {out / 'report.md'})")
    document: dict[str, Any] = json.loads((out / "evidence.json").read_text())
    return document


def check_outcome(stack: FleetStack, document: dict[str, Any]) -> str:
    """'32 Running / 11 Pending' when the observed pods are what the lesson expects."""
    expected = plan_demo(load_stack_file(stack.stack_file)).expected
    workloads = document["observed"]["workloads"]
    running = sum(int(w["running"]) for w in workloads)
    pending = sum(int(w["pending"]) for w in workloads)
    if (running, pending) != (expected.running, expected.pending):
        raise DemoFailed(
            f"observed {running} Running / {pending} Pending, the lesson expects "
            f"{expected.running} / {expected.pending}"
        )
    return f"{running} Running / {pending} Pending"


def wait_for_interrupt(cluster: Cluster, kubectl: Path) -> None:
    print(
        f"\nThe lab is kept running. kubeconfig: {cluster.kubeconfig}\n"
        f"  try: {kubectl} --kubeconfig {cluster.kubeconfig} get nodes\n"
        "Press Ctrl-C to tear it down.",
        flush=True,
    )
    while True:
        signal.pause()


def run(keep: bool, out: Path, telemetry: bool = False) -> str:
    binaries, engine = prepare_tools(telemetry)
    with (
        tempfile.TemporaryDirectory(prefix="gpu-fleet-demo-") as workdir,
        kwok_cluster(binaries) as cluster,
    ):
        stack = FleetStack(engine, Path(workdir), "demo-lesson1")
        stack.write_config(lesson_config(cluster, telemetry))
        version = OPERATOR_DRA_VERSION if telemetry else versions.OPERATOR_VERSION
        commands = host_processes.operator_commands(binaries, cluster, OPERATOR_NAMESPACE, version)
        prometheus = None
        if telemetry:
            prometheus = prometheus_command(binaries, cluster, load_stack_file(stack.stack_file))
            commands += [
                exporter_command(binaries, cluster, OPERATOR_NAMESPACE),
                prometheus.command,
            ]
        with host_processes.supervised(commands):
            stack.up()
            api = kube.api_client(cluster.kubeconfig)
            try:
                with steps.step("settle: nodes Ready with GPUs, demo pods placed or explained"):
                    settle(api, stack.stack_file)
            finally:
                api.close()
            if prometheus is not None:
                with steps.step("telemetry: the pools' GpuPoolNearlyFull alerts firing"):
                    wait_for_alerts(prometheus.url, "GpuPoolNearlyFull", len(LESSON_POOLS))
            url = prometheus.url if prometheus else None
            outcome = check_outcome(stack, evidence_and_report(stack, out, url))
            print(f"\nmake demo: {outcome}, every report row PASS", flush=True)
            if keep:
                wait_for_interrupt(cluster, binaries["kubectl"])
    return outcome


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        run(args.keep, args.out.resolve(), args.telemetry)
    except KeyboardInterrupt:
        print("make demo: interrupted; the lab is torn down", file=sys.stderr, flush=True)
        return 0 if args.keep else 130
    except (tools.BuildError, ClusterError, DemoFailed, TimeoutError) as error:
        print(f"make demo: FAILED: {error}", file=sys.stderr, flush=True)
        return 1
    except (subprocess.CalledProcessError, CommandError) as error:
        print(f"make demo: FAILED: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        for line in steps.summary_lines():
            print(line, flush=True)
    print(
        f"make demo: done in {time.monotonic() - started:.0f}s; the lab is torn down; "
        f"evidence and report in {args.out}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
