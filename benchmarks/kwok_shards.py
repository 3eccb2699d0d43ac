"""How many fake nodes one KWOK controller keeps alive: the measurement behind
`kwok.nodesPerController`.

For each `--per-controller` value, on a fresh kwokctl control plane (binary runtime, no
KWOK of its own): KWOK's release manifests and stages are applied as the `Kwok`
component applies them (the release's controller Deployment replaced by shard 0's,
`fleet.render.kwok`), plus the other shards' Deployments; `--nodes` fake nodes of one
pool are created through the Kubernetes API with their shard labels; the shards run on
the host as the e2e tier runs them. Measured: seconds from the first node created until
every node is Ready; after `--hold` seconds, the nodes still Ready and the Leases renewed
within one lease duration; KWOK's and the API server's CPU seconds and memory. With
several `--log-levels` (the stack's `kwok.logLevel`), each size runs once per level in
turn, `--repeat` times, on the same machine in the same process. Printed and written to
benchmarks/results/kwok-shards.json; nothing is asserted.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, get_args

import yaml

from benchmarks.e2e_scale import machine
from benchmarks.fleet_scale import leases_fresh, wait_for
from benchmarks.fleet_watch import FleetWatch
from benchmarks.process_usage import pid_file_reader, sampled
from fleet.cluster import node_api
from fleet.render.kwok import controller_deployments, release_object
from fleet.render.nodes import fleet_nodes
from fleet.stack.load import parse_fleet
from fleet.stack.owner import StackOwner
from fleet.stack.spec import FleetSpec, KwokLogLevel
from lab import host_processes, kube, tools
from lab.cluster import Cluster, kwok_cluster
from lab.host_processes import supervised
from lab.pins import CONTROL_PLANE_TOOLS

# Whose the benchmark's nodes are (their ownership labels).
OWNER = StackOwner("gpu-fleet", "bench-kwok-shards")
RESULTS = Path(__file__).parent / "results" / "kwok-shards.json"


def fleet(cluster: Cluster, nodes: int, per_controller: int, log_level: str) -> FleetSpec:
    pool = {"nodes": nodes, "gpusPerNode": 1, "product": "NVIDIA-L4"}
    config = {
        "cluster": cluster.as_stack_cluster(),
        "pools": {"l4": pool},
        "nodeResources": "perPool",
        "kwok": {"nodesPerController": per_controller, "logLevel": log_level},
        "operator": {"install": False},
    }
    return parse_fleet(config, "bench")


def install_kwok(kubectl: Path, cluster: Cluster, spec: FleetSpec, work: Path) -> None:
    """The objects the `Kwok` component sends: the release (shard 0 in place of its
    controller), the stages, the other shards."""
    documents: list[dict[str, Any]] = []
    for path in tools.kwok_manifests(kubectl):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                documents.append(release_object(spec, document) or document)
    documents += controller_deployments(spec)[1:]
    manifest = work / "kwok-objects.yaml"
    manifest.write_text(yaml.safe_dump_all(documents))
    base = [str(kubectl), "--kubeconfig", str(cluster.kubeconfig)]
    # The Stage objects need their CRD to be served first: apply again until all take.
    for _ in range(10):
        done = subprocess.run(
            [*base, "apply", "--server-side", "-f", str(manifest)], capture_output=True, text=True
        )
        if done.returncode == 0:
            return
        time.sleep(2)
    raise RuntimeError(f"kubectl apply of KWOK's objects failed: {done.stderr}")


def one_run(
    binaries: dict[str, Path], nodes: int, per_controller: int, hold: float, log_level: str
) -> dict[str, Any]:
    with kwok_cluster(binaries, kwok_controller=False) as cluster:
        spec = fleet(cluster, nodes, per_controller, log_level)
        print(f"== {nodes:,} nodes, {spec.kwok_controllers} controllers, {log_level}", flush=True)
        row: dict[str, Any] = {
            "nodes": nodes,
            "nodes_per_controller": per_controller,
            "kwok_log_level": log_level,
            "controllers": spec.kwok_controllers,
            "load_average_1m_start": os.getloadavg()[0],
        }
        install_kwok(binaries["kubectl"], cluster, spec, cluster.workdir)
        shards = host_processes.kwok_shard_commands(binaries, cluster)
        pids = cluster.workdir / "clusters" / cluster.name / "pids"
        api = kube.api_client(cluster.kubeconfig)
        watcher = FleetWatch(api, "default", slices=False).start()
        with supervised(shards) as supervisor:
            roles = {
                "apiserver": pid_file_reader(pids / "kube-apiserver.pid"),
                "etcd": pid_file_reader(pids / "etcd.pid"),
                "kwok": lambda: [c.process.pid for c in supervisor.commands if c.process],
            }
            with sampled(roles) as usage:
                created = time.monotonic()
                writer = node_api.connect(str(cluster.kubeconfig), None, node_api.Control())
                node_api.each(writer.apply, fleet_nodes(spec, OWNER), writer.control, "create")
                row["create_s"] = time.monotonic() - created
                times = watcher.times
                wait_for("every node Ready", lambda: len(times.node_ready) >= nodes, 900)
                first = min(times.node_added.values())
                row["nodes_ready_s"] = max(times.node_ready.values(), default=first) - first
                time.sleep(max(0.0, first + hold - time.monotonic()))
                row["ready_nodes_after_hold"] = times.ready_count()
                row["hold_s"] = time.monotonic() - first
                lease = spec.heartbeats.lease_duration_s
                row["leases_renewed_in_lease_duration"] = leases_fresh(api, lease)
            row["kwok_log_bytes"] = sum(c.log.stat().st_size for c in shards if c.log.exists())
            for role in roles:
                row[f"{role}_rss_mib"] = usage.rss_mib.get(role, 0.0)
                row[f"{role}_cpu_s"] = usage.cpu_s(role)
        watcher.stop()
        api.close()
        row["load_average_1m_end"] = os.getloadavg()[0]
        for key, value in row.items():
            print(
                f"    {key:<34} {value:12.2f}"
                if isinstance(value, float)
                else f"    {key:<34} {value:>12}"
            )
        return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.kwok_shards", description=__doc__)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--per-controller", type=int, nargs="+", default=[10_000, 2500, 1000])
    parser.add_argument("--hold", type=float, default=300.0, help="seconds after the first node")
    parser.add_argument("--log-levels", nargs="+", default=["INFO"], choices=get_args(KwokLogLevel))
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every setting")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    binaries = tools.ensure_tools(CONTROL_PLANE_TOOLS)
    print(f"== kwok-shards on {machine()}", flush=True)
    for round_ in range(args.repeat):
        for per_controller in args.per_controller:
            for level in args.log_levels:
                row = one_run(binaries, args.nodes, per_controller, args.hold, level)
                save(args.out, {**row, "round": round_})
    print(f"rows written to {args.out}")
    return 0


def save(out: Path, row: dict[str, Any]) -> None:
    """Add the run's row, replacing an earlier one of the same size, settings and round."""

    def key(found: dict[str, Any]) -> tuple[Any, ...]:
        setting = (found.get("kwok_log_level", "INFO"), found.get("round", 0))
        return (found["nodes"], found["nodes_per_controller"], *setting)

    rows = json.loads(out.read_text()) if out.exists() else []
    kept = [r for r in rows if key(r) != key(row)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([*kept, row], indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
