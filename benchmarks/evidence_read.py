"""`python -m benchmarks.evidence_read`: what `fleet evidence` pays to read a large fleet.

The same lists (a stack's nodes, one pod per node, the system workloads) are served by
the evidence tests' stand-in API server on 127.0.0.1, and read two ways in turn in this
process, with the same requests (pages of 500): decoded from the response's JSON (what
`fleet evidence` does) and through the client's model classes turned back into plain
data (what it did before). Rounds
alternate so that both see the same machine; the medians and their ratio are printed
and written to benchmarks/results/evidence-read.json. No real API server is involved:
this measures the client side only.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from kubernetes import client

from benchmarks.e2e_scale import machine
from fleet.evidence.connect import connect
from fleet.evidence.read import PAGE, read_cluster
from fleet.stack.load import parse_fleet
from lab.recorded import (
    ApiServer,
    Cluster,
    fleet_nodes,
    pod,
    system_workloads,
    write_kubeconfig,
)

RESULTS = Path(__file__).parent / "results" / "evidence-read.json"


def cluster_of(nodes: int) -> Cluster:
    spec = parse_fleet(
        {
            "cluster": {"mode": "kind"},
            "nodeResources": "perPool",
            "pools": {"l4": {"nodes": nodes, "gpusPerNode": 1, "product": "NVIDIA-L4"}},
            "operator": {"version": "0.2.0"},
        },
        "bench",
    )
    cluster = Cluster(nodes=fleet_nodes(spec))
    system_workloads(cluster, spec)
    fake = [
        n["metadata"]["name"] for n in cluster.nodes if n["metadata"]["name"].startswith("kwok-")
    ]
    cluster.pods += [
        pod(f"queue-{i}", "gpu-demo", phase="Running", node=name, gpus=1)
        for i, name in enumerate(fake)
    ]
    return cluster


def through_models(api: client.ApiClient) -> int:
    """The former decoding on the same requests (pages of PAGE): each page built into the
    client's models, then turned back into plain data."""
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    lists = (
        core.list_node,
        core.list_pod_for_all_namespaces,
        core.list_event_for_all_namespaces,
        apps.list_deployment_for_all_namespaces,
        apps.list_daemon_set_for_all_namespaces,
    )
    api.sanitize_for_serialization(client.VersionApi(api).get_code())  # type: ignore[no-untyped-call]
    objects = 1
    for call in lists:
        token = None
        while True:
            page = call(limit=PAGE, **({"_continue": token} if token else {}))
            data = api.sanitize_for_serialization(page)  # type: ignore[no-untyped-call]
            objects += len(data.get("items") or [])
            token = (data.get("metadata") or {}).get("continue")
            if not token:
                break
    return objects


def as_json(api: client.ApiClient) -> int:
    snapshot = read_cluster(api)
    kinds = (
        snapshot.nodes,
        snapshot.pods,
        snapshot.events,
        snapshot.deployments,
        snapshot.daemonsets,
    )
    return 1 + sum(len(items) for items in kinds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.evidence_read", description=__doc__)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    server = ApiServer()
    server.thread.start()
    try:
        server.serve(cluster_of(args.nodes))
        ways = {"json": as_json, "models": through_models}
        seconds: dict[str, list[float]] = {way: [] for way in ways}
        counts = {}
        with tempfile.TemporaryDirectory(prefix="evidence-read-") as scratch:
            kubeconfig = write_kubeconfig(Path(scratch) / "kubeconfig", server.url)
            api = connect(str(kubeconfig), None)
            for _ in range(args.rounds):
                for way, read in ways.items():
                    started = time.perf_counter()
                    counts[way] = read(api)
                    seconds[way].append(time.perf_counter() - started)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    if counts["json"] != counts["models"]:
        raise SystemExit(f"the two reads disagree: {counts}")
    medians = {way: statistics.median(values) for way, values in seconds.items()}
    ratio = medians["models"] / medians["json"]
    print(f"== evidence reads on {machine()}: {args.nodes:,} nodes, {counts['json']:,} objects")
    for way, values in seconds.items():
        print(f"  {way:<7} median {medians[way]:6.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")
    print(f"  models / json: {ratio:.1f}x")
    result = {
        "nodes": args.nodes,
        "objects": counts["json"],
        "rounds": args.rounds,
        "median_s": medians,
        "ratio": ratio,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
