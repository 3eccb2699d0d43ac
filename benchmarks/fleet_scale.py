"""`make bench-fleet`: a living fleet at 1,000, 5,000 and 10,000 fake nodes, per GPU offer.

Per size and offer (device plugin, DRA), on a fresh kwokctl control plane (binary runtime,
no KWOK of its own): the stack is brought up by the program under the real engine, with
KWOK installed by the `Kwok` component (its shards run on the host, as the e2e tier runs
them), fake-gpu-operator 0.2.0 (its chart through Helm; its status-updater and KWOK plugin
on the host) and the demo with a fleet-sized queue (`queuePercentOfGpus: 110`). Times
come from watches on nodes, ResourceSlices and the demo's pods; memory and CPU seconds of
the control plane, KWOK and the operator from /proc. Then `fleet evidence` and `fleet
report` on the whole fleet (the report checks the observed outcome against `fleet
expect`), and after `--hold` seconds from the first node (10 minutes) the Ready nodes are
counted again, with how many Leases were renewed in the last lease duration.

Rows `{nodes, offer, metric, value, unit}` go to benchmarks/results/fleet-scale.json
(rows of the sizes and offers run replace earlier ones); the settings (scheduler and
controller-manager client limits, KWOK controllers) and the load average are rows too.
Nothing is asserted about timings.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from benchmarks import apiserver_load, server_times
from benchmarks.e2e_scale import machine
from benchmarks.fleet_watch import FleetTimes, FleetWatch, node_is_ready
from benchmarks.process_usage import Usage, pid_file_reader, sampled
from fleet.demo.plan import plan_demo
from fleet.heartbeat.sizing import DEFAULT_WRITES_PER_SECOND, Heartbeat, Overrides, derive
from fleet.render.nodes import is_fake_node
from fleet.stack.load import parse_fleet
from fleet.stack.versions import KWOK_NODE_LEASE_PARALLELISM, OPERATOR_DRA_VERSION
from lab import charts, host_processes, kube, tools
from lab.cluster import Cluster, kwok_cluster
from lab.dynamic_provider import ensure_dynamic_provider_plugin
from lab.engine import FleetStack
from lab.host_processes import Supervisor
from lab.paths import ROOT

RESULTS = Path(__file__).parent / "results" / "fleet-scale.json"
SIZES = (1000, 5000, 10_000)
OFFERS = ("devicePlugin", "dra")
OPERATOR_NAMESPACE = "gpu-operator"
DEMO_NAMESPACE = "gpu-demo"
QUEUE_PERCENT = 110
# One L4 per node (an inference fleet): the 110 % queue is then about 1.1 pods per node.
POOL = {"gpusPerNode": 1, "product": "NVIDIA-L4"}
# The client limits given to kwokctl's kube-scheduler and kube-controller-manager (the
# controller-manager's ReplicaSet controller creates the queue's pods): kube-scheduler's
# defaults are 50/100, the controller-manager's 20/30.
CLIENT_QPS, CLIENT_BURST = 1000, 2000
READY_TIMEOUT = 900.0
QUEUE_AFTER_GPUS_SUFFIX = "_queue_after_gpus"
T = TypeVar("T")
TEN_MINUTES = 600.0


@dataclass(frozen=True)
class Row:
    nodes: int
    offer: str
    metric: str
    value: float
    unit: str


def control_plane_args(heartbeat: Heartbeat) -> dict[str, dict[str, str]]:
    """Client limits for the scheduler and the controller-manager, and the
    controller-manager's node monitor as the stack sizes it for the fleet (as kind runs
    it: Kubernetes' 5 s / 50 s for a fleet within the heartbeat budget). Given as flags
    after kwokctl's own, so they win: kwokctl's configuration fields for the node monitor
    are rewritten by kwokctl v0.7.0 (5 s / 50 s came out as 25 s / 250 s)."""
    limits = {"kube-api-qps": str(CLIENT_QPS), "kube-api-burst": str(CLIENT_BURST)}
    monitor = {
        "node-monitor-period": f"{heartbeat.node_monitor_period_s}s",
        "node-monitor-grace-period": f"{heartbeat.node_monitor_grace_period_s}s",
    }
    return {"kube-scheduler": limits, "kube-controller-manager": {**limits, **monitor}}


def heartbeat_overrides(args: argparse.Namespace) -> Overrides:
    return Overrides(
        lease_duration_s=args.node_lease_seconds,
        node_monitor_grace_period_s=args.node_monitor_grace,
    )


def heartbeat_config(args: argparse.Namespace) -> dict[str, int]:
    """The stack's `heartbeat` key: the budget, and what the command line sets by hand."""
    overrides = {
        "nodeLeaseDurationSeconds": args.node_lease_seconds,
        "nodeMonitorGracePeriodSeconds": args.node_monitor_grace,
    }
    given = {key: value for key, value in overrides.items() if value is not None}
    return {"writesPerSecond": args.heartbeat_writes, **given}


def stack_config(
    cluster: Cluster, nodes: int, offer: str, manifests: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    return {
        "cluster": cluster.as_stack_cluster(),
        "nodeResources": "perPool",
        "pools": {"l4": {"nodes": nodes, **POOL}},
        "gpuOffer": offer,
        # No container runtime: the controllers' pods cannot start, the shards run on the host.
        "kwok": {
            "manifests": manifests,
            "wait": False,
            "nodesPerController": args.nodes_per_controller,
            "nodeLeaseParallelism": args.node_lease_parallelism,
        },
        "heartbeat": heartbeat_config(args),
        "operator": {
            "version": OPERATOR_DRA_VERSION,
            "chart": str(charts.operator_chart(OPERATOR_DRA_VERSION)),
            "namespace": OPERATOR_NAMESPACE,
            "wait": False,
            "hooks": False,
        },
        "demo": {"enabled": True, "queuePercentOfGpus": QUEUE_PERCENT},
    }


class ShardFollower:
    """Starts the KWOK shards on the host once the `Kwok` component has created all of
    their Deployments (during `pulumi up`, before the nodes)."""

    def __init__(self, binaries: dict[str, Path], cluster: Cluster, shards: int) -> None:
        self.binaries, self.cluster, self.shards = binaries, cluster, shards
        self.supervisor: Supervisor | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)

    def _follow(self) -> None:
        api = kube.api_client(self.cluster.kubeconfig)
        try:
            while not self._stop.wait(1.0):
                if len(host_processes.kwok_controllers(api)) == self.shards:
                    try:
                        commands = host_processes.kwok_shard_commands(self.binaries, self.cluster)
                    except ApiException as error:
                        if error.status != 404:  # the ConfigMap they mount is on its way
                            raise
                        continue
                    self.supervisor = Supervisor(commands)
                    self.supervisor.start()
                    return
        finally:
            api.close()

    def pids(self) -> list[int]:
        return _pids(self.supervisor)

    def __enter__(self) -> "ShardFollower":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.supervisor is not None:
            self.supervisor.stop()


def _pids(supervisor: Supervisor | None) -> list[int]:
    if supervisor is None:
        return []
    return [c.process.pid for c in supervisor.commands if c.process is not None]


def patient_items(call: Any, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """A list that a saturated API server may drop (it closes the connection, or times
    out): tried again up to five times, 10 s apart."""
    for attempt in range(5):
        try:
            return kube.items(call, *args, _request_timeout=120, **kwargs)
        except (ApiException, HTTPError, OSError) as error:
            print(
                f"    a list failed ({type(error).__name__}), attempt {attempt + 1} of 5",
                flush=True,
            )
            time.sleep(10)
    return kube.items(call, *args, _request_timeout=120, **kwargs)


def wait_for(what: str, condition: Any, timeout: float) -> bool:
    met = kube.wait_until(condition, timeout=timeout, interval=1.0)
    print(f"    {what}: {'reached' if met else f'NOT reached within {timeout:.0f}s'}", flush=True)
    return bool(met)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


@contextmanager
def recorder(nodes: int, offer: str, rows: list[Row]) -> Iterator[Any]:
    def add(metric: str, value: float, unit: str) -> None:
        rows.append(Row(nodes, offer, metric, round(value, 2), unit))
        print(f"    {metric:<28} {value:12.2f} {unit}", flush=True)

    yield add


def leases_fresh(api: Any, seconds: int) -> int:
    """Node Leases renewed within the last `seconds`."""
    now = datetime.now(UTC)
    leases = patient_items(kube.coordination(api).list_namespaced_lease, "kube-node-lease")
    fresh = 0
    for lease in leases:
        renewed = lease["spec"].get("renewTime")
        if renewed and (now - datetime.fromisoformat(renewed)).total_seconds() <= seconds:
            fresh += 1
    return fresh


def run_fleet_command(*args: str) -> tuple[float, int]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "fleet", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode not in (0, 1):
        print(f"    fleet {args[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return time.monotonic() - started, done.returncode


def one_run(
    binaries: dict[str, Path],
    engine: tools.Engine,
    nodes: int,
    offer: str,
    args: argparse.Namespace,
) -> list[Row]:
    rows: list[Row] = []
    print(f"== {nodes:,} nodes, {offer}; load average {os.getloadavg()[0]:.1f}", flush=True)
    manifests = [str(path) for path in tools.kwok_manifests(binaries["kubectl"])]
    heartbeat = derive(nodes, args.heartbeat_writes, heartbeat_overrides(args))
    with (
        recorder(nodes, offer, rows) as add,
        tempfile.TemporaryDirectory(prefix=f"bench-fleet-{nodes}-") as scratch,
        kwok_cluster(
            binaries,
            kwok_controller=False,
            component_args=control_plane_args(heartbeat),
        ) as cluster,
    ):
        work = Path(scratch)
        config = stack_config(cluster, nodes, offer, manifests, args)
        spec = parse_fleet(config, "bench")
        expected = plan_demo(spec).expected
        add("load_average_1m_start", os.getloadavg()[0], "load")
        add("kwok_controllers", spec.kwok_controllers, "processes")
        add("scheduler_kube_api_qps", CLIENT_QPS, "setting")
        add("scheduler_kube_api_burst", CLIENT_BURST, "setting")
        add("controller_manager_kube_api_qps", CLIENT_QPS, "setting")
        add("kwok_node_lease_duration_s", heartbeat.lease_duration_s, "setting")
        add("node_status_period_s", heartbeat.node_status_period_s, "setting")
        add("heartbeat_writes_per_s_budget", heartbeat.budget, "setting")
        add("kwok_node_lease_parallelism", spec.kwok.node_lease_parallelism, "setting")
        add("node_monitor_grace_period_s", heartbeat.node_monitor_grace_period_s, "setting")
        add("node_monitor_period_s", heartbeat.node_monitor_period_s, "setting")
        add("queue_after_gpus", int(args.queue_after_gpus), "setting")
        add("expected_running", expected.running, "pods")
        add("expected_pending", expected.pending, "pods")
        api = kube.api_client(cluster.kubeconfig)
        names = (
            host_processes.DRA_COMMANDS if offer == "dra" else host_processes.DEVICE_PLUGIN_COMMANDS
        )
        operator = host_processes.operator_commands(
            binaries, cluster, OPERATOR_NAMESPACE, OPERATOR_DRA_VERSION, names
        )
        pids = cluster.workdir / "clusters" / cluster.name / "pids"
        watcher = FleetWatch(api, DEMO_NAMESPACE, slices=offer == "dra").start()
        stack = FleetStack(engine, work, f"bench-fleet-{nodes}")
        # With --queue-after-gpus the demo comes in a second `pulumi up`, below.
        stack.write_config(
            {**config, "demo": {"enabled": False}} if args.queue_after_gpus else config
        )
        with (
            host_processes.supervised(operator) as operator_supervisor,
            ShardFollower(binaries, cluster, spec.kwok_controllers) as shards,
        ):
            roles = {
                "apiserver": pid_file_reader(pids / "kube-apiserver.pid"),
                "etcd": pid_file_reader(pids / "etcd.pid"),
                "scheduler": pid_file_reader(pids / "kube-scheduler.pid"),
                "controller_manager": pid_file_reader(pids / "kube-controller-manager.pid"),
                "kwok": shards.pids,
                "operator": lambda: _pids(operator_supervisor),
            }
            with sampled(roles) as usage:
                started = time.monotonic()
                stack.up()
                add("pulumi_up_s", time.monotonic() - started, "s")
                measure_fleet(api, watcher.times, spec, offer, add)
                queue_add = add
                if args.queue_after_gpus:
                    queue_add = suffixed(add, QUEUE_AFTER_GPUS_SUFFIX)
                    stack.write_config(config)
                    started = time.monotonic()
                    stack.up()
                    queue_add("demo_up_s", time.monotonic() - started, "s")
                measure_queue(api, watcher.times, expected.running, queue_add, args.queue_timeout)
                operator_objects(api, add)
                evidence = work / "evidence"
                seconds, _ = run_fleet_command(
                    "evidence", "--stack", str(stack.stack_file), "--out", str(evidence)
                )
                add("evidence_s", seconds, "s")
                seconds, code = run_fleet_command(
                    "report", str(evidence), "--out", str(work / "r.md")
                )
                add("report_s", seconds, "s")
                add("report_pass", 1 if code == 0 else 0, "bool")
                hold(api, watcher.times, spec, args.hold, add)
                apiserver_rows(api, add)
            usage_rows(usage, add)
        add("load_average_1m_end", os.getloadavg()[0], "load")
        watcher.stop()
        api.close()
    return rows


def suffixed(add: Any, suffix: str) -> Any:
    """`add` with `suffix` on every metric's name."""

    def add_suffixed(metric: str, value: float, unit: str) -> None:
        add(metric + suffix, value, unit)

    return add_suffixed


def measure_fleet(api: Any, times: FleetTimes, spec: Any, offer: str, add: Any) -> None:
    """Waits for every node Ready, then for GPUs on every node; a stage that times out
    is measured on what it reached."""
    nodes = spec.total_nodes
    all_ready = wait_for("every node Ready", lambda: len(times.node_ready) >= nodes, READY_TIMEOUT)
    first = min(times.node_added.values())
    if all_ready:
        add("nodes_ready_s", max(times.node_ready.values()) - first, "s")
    add("nodes_seen_ready", len(times.node_ready), "nodes")
    seen = times.node_slice if offer == "dra" else times.node_gpus
    recorded = Recorded(lambda: advertisement(api, offer))
    wait_for(
        "GPUs on every node",
        lambda: len(seen) >= nodes or recorded.holds(lambda found: found.offering >= nodes),
        READY_TIMEOUT,
    )
    found = recorded.read()
    if found.span_s is not None and found.offering >= nodes:
        add("gpus_advertised_s", found.span_s, "s")
    add("gpus_advertised_nodes", found.offering, "nodes")
    add("gpus_advertised_nodes_seen_by_watch", len(seen), "nodes")


def measure_queue(
    api: Any, times: FleetTimes, running: int, add: Any, queue_timeout: float
) -> None:
    """Waits for the expected Running pods; on a timeout the rates are over the pods
    bound so far and `observed_running` is below the expected count."""
    recorded_pods = Recorded(lambda: pod_moments(api))

    def all_running(moments: dict[str, server_times.PodMoments]) -> bool:
        return sum(m.running is not None for m in moments.values()) >= running

    wait_for(
        f"{running} demo pods Running",
        lambda: len(times.pod_running) >= running or recorded_pods.holds(all_running),
        queue_timeout,
    )
    add("observed_running_seen_by_watch", len(times.pod_running), "pods")
    pod_rows(recorded_pods.read(), running, add)


def pod_rows(moments: dict[str, server_times.PodMoments], running: int, add: Any) -> None:
    """The queue's and the demo's figures from the API server's records of the pods (to the
    second): the benchmark's own pod watch lost updates at 10,000 nodes."""
    queue = [m for name, m in moments.items() if "queue-pressure-" in name]
    bound = [m for m in queue if m.bound is not None]
    if bound:
        created = [m.created for m in queue]
        creating = (max(created) - min(created)).total_seconds()
        span = (max(m.bound for m in bound if m.bound) - min(created)).total_seconds()
        latencies = [(m.bound - m.created).total_seconds() for m in bound if m.bound]
        add("queue_pods_created_per_s", len(queue) / creating if creating > 0 else 0.0, "pods/s")
        add("queue_pods_bound", len(bound), "pods")
        add("pods_bound_per_s", len(bound) / span if span > 0 else 0.0, "pods/s")
        add("bind_p50_s", percentile(latencies, 0.5), "s")
        add("bind_p99_s", percentile(latencies, 0.99), "s")
    started = sorted(m.running for m in moments.values() if m.running is not None)
    if moments and len(started) >= running:
        first_pod = min(m.created for m in moments.values())
        add("all_running_s", (started[running - 1] - first_pod).total_seconds(), "s")
    add("observed_running", len(started), "pods")


class Recorded(Generic[T]):
    """What the API server recorded, read by `read`; while a wait polls every second,
    `holds` lists at most once a minute (a list of 10,000 nodes is tens of megabytes)."""

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self._read_at = time.monotonic()

    def read(self) -> T:
        value = self._read()
        self._read_at = time.monotonic()
        return value

    def holds(self, condition: Callable[[T], bool]) -> bool:
        return time.monotonic() - self._read_at >= 60 and condition(self.read())


def pod_moments(api: Any) -> dict[str, server_times.PodMoments]:
    pods = patient_items(kube.core(api).list_namespaced_pod, DEMO_NAMESPACE)
    return {pod["metadata"]["name"]: server_times.pod_moments(pod) for pod in pods}


def advertisement(api: Any, offer: str) -> server_times.Advertised:
    nodes = patient_items(kube.core(api).list_node)
    slices = None
    if offer == "dra":
        slices = patient_items(client.ResourceV1Api(api).list_resource_slice)
    return server_times.advertised(nodes, slices)


def operator_objects(api: Any, add: Any) -> None:
    """What the operator created in its namespace, and the ResourceSlices in the cluster."""
    core, apps = kube.core(api), kube.apps(api)
    config_maps = patient_items(core.list_namespaced_config_map, OPERATOR_NAMESPACE)
    topology = [c for c in config_maps if c["metadata"]["name"].startswith("topology-")]
    add("operator_node_configmaps", len(topology), "objects")
    deployments = patient_items(apps.list_namespaced_deployment, OPERATOR_NAMESPACE)
    add("operator_deployments", len(deployments), "objects")
    slices = patient_items(client.ResourceV1Api(api).list_resource_slice)
    add("resource_slices", len(slices), "objects")


def hold(api: Any, times: FleetTimes, spec: Any, seconds: float, add: Any) -> None:
    """Wait until `seconds` after the first node, then count Ready nodes and fresh Leases."""
    first = min(times.node_added.values())
    left = first + seconds - time.monotonic()
    if left > 0:
        print(f"    holding the fleet {left:.0f}s more (until {seconds:.0f}s after the first node)")
        time.sleep(left)
    held = time.monotonic() - first
    ready = ready_nodes(api)
    add("ready_nodes_after_hold", ready, "nodes")
    add("nodes_not_ready_after_ready", len(times.node_lost_ready), "nodes")
    add("hold_s", held, "s")
    if held >= TEN_MINUTES:
        add("ready_nodes_after_10_min", ready, "nodes")
    add(
        "leases_renewed_in_lease_duration",
        leases_fresh(api, spec.heartbeats.lease_duration_s),
        "leases",
    )


def ready_nodes(api: Any) -> int:
    """Fake nodes whose Ready condition is True, from one list."""
    nodes = patient_items(kube.core(api).list_node)
    return sum(1 for node in nodes if is_fake_node(node) and node_is_ready(node))


def apiserver_rows(api: Any, add: Any) -> None:
    """Seconds waited in flow-control queues per priority level, and the busiest requests."""
    try:
        load = apiserver_load.read(api)
    except (ApiException, HTTPError, OSError) as error:
        print(f"    the API server's metrics were not read: {error}")
        return
    for level, seconds in sorted(load.queue_wait_s.items()):
        add(f"apf_queue_wait_s_{level}", seconds, "s")
    if not load.queue_wait_s:
        print("    no request waited in a flow-control queue (none recorded)")
    print("    busiest requests (count, summed latency):")
    for request in load.requests[:12]:
        print(
            f"      {request.verb:<8} {request.resource:<40} {request.requests:>10,.0f}"
            f" {request.latency_s:>10,.0f}s"
        )


def usage_rows(usage: Usage, add: Any) -> None:
    for role in ("apiserver", "etcd", "kwok", "operator", "scheduler", "controller_manager"):
        add(f"{role}_rss_mib", usage.rss_mib.get(role, 0.0), "MiB")
        add(f"{role}_cpu_s", usage.cpu_s(role), "s")


def table(rows: list[Row]) -> str:
    runs = sorted({(row.nodes, row.offer) for row in rows})
    metrics = list(dict.fromkeys(row.metric for row in rows))
    values = {(r.nodes, r.offer, r.metric): r for r in rows}
    header = "| metric | " + " | ".join(f"{n:,} {o}" for n, o in runs) + " | unit |"
    lines = [header, "|---|" + "---:|" * len(runs) + "---|"]
    for metric in metrics:
        cells = [values.get((n, o, metric)) for n, o in runs]
        unit = next(c.unit for c in cells if c is not None)
        shown = [f"{c.value:,.2f}".rstrip("0").rstrip(".") if c else "-" for c in cells]
        lines.append(f"| {metric} | " + " | ".join(shown) + f" | {unit} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet_scale", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--offers", nargs="+", choices=OFFERS, default=list(OFFERS))
    parser.add_argument("--hold", type=float, default=600.0, help="seconds after the first node")
    parser.add_argument("--nodes-per-controller", type=int, default=1000)
    parser.add_argument(
        "--queue-timeout",
        type=float,
        default=1800.0,
        help="seconds to wait for the expected Running pods",
    )
    parser.add_argument(
        "--heartbeat-writes",
        type=int,
        default=DEFAULT_WRITES_PER_SECOND,
        help="the stack's heartbeat.writesPerSecond",
    )
    parser.add_argument(
        "--node-lease-seconds",
        type=int,
        default=None,
        help="the stack's heartbeat.nodeLeaseDurationSeconds (default: derived)",
    )
    parser.add_argument(
        "--node-lease-parallelism",
        type=int,
        default=KWOK_NODE_LEASE_PARALLELISM,
        help="the stack's kwok.nodeLeaseParallelism",
    )
    parser.add_argument(
        "--node-monitor-grace",
        type=int,
        default=None,
        help="the stack's heartbeat.nodeMonitorGracePeriodSeconds, given to "
        "kube-controller-manager (default: derived)",
    )
    parser.add_argument(
        "--queue-after-gpus",
        action="store_true",
        help="bring the fleet up without the demo, and add it (a second `pulumi up`) once "
        f"every node offers its GPUs: the queue's figures, named with {QUEUE_AFTER_GPUS_SUFFIX}, "
        "are then the scheduler's, not the operator's",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    binaries = tools.ensure_tools()
    engine = tools.ensure_engine(binaries)
    ensure_dynamic_provider_plugin(engine)
    print(f"== bench-fleet on {machine()}", flush=True)
    rows: list[Row] = []
    for nodes in args.sizes:
        for offer in args.offers:
            rows += one_run(binaries, engine, nodes, offer, args)
            save(args.out, rows)
    print(f"\n{table(rows)}\n\nrows written to {args.out}")
    return 0


def save(out: Path, rows: list[Row]) -> None:
    """Keep the rows of runs not repeated here; replace those that were."""
    runs = {(row.nodes, row.offer) for row in rows}
    kept = []
    if out.exists():
        kept = [r for r in json.loads(out.read_text()) if (r["nodes"], r["offer"]) not in runs]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(kept + [asdict(row) for row in rows], indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
