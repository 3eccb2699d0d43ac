"""`fleet evidence` against recorded API responses: what it reads, how, and what it writes."""

import json
import socket
from pathlib import Path

import pytest
import yaml

from fleet.cli import main
from fleet.demo.outcome import REASON_INSUFFICIENT_GPU, REASON_NODE_SELECTOR, REASON_TOO_MANY_PODS
from fleet.evidence.observe import reasons_in
from lab.recorded import (
    LARGE_STACK,
    LESSON1_STACK,
    NO_GPU_MESSAGE,
    NO_POOL_MESSAGE,
    ApiServer,
    Cluster,
    large_cluster,
    lesson1_cluster,
    write_kubeconfig,
)

EXPECTED_REQUESTS = [
    ("GET", "/version/"),
    ("GET", "/api/v1/nodes?limit=500"),
    ("GET", "/api/v1/pods?limit=500"),
    ("GET", "/api/v1/events?limit=500"),
    ("GET", "/apis/apps/v1/deployments?limit=500"),
    ("GET", "/apis/apps/v1/daemonsets?limit=500"),
]


def collect(kubeconfig: Path, out: Path, stack: Path = LESSON1_STACK) -> int:
    return main(
        ["evidence", "--stack", str(stack), "--kubeconfig", str(kubeconfig), "--out", str(out)]
    )


def test_lesson1_evidence_observes_the_demo(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path
) -> None:
    api_server.serve(lesson1_cluster())
    assert collect(kubeconfig, tmp_path / "ev") == 0
    data = json.loads((tmp_path / "ev" / "evidence.json").read_text())
    workloads = {w["name"]: w for w in data["observed"]["workloads"]}
    assert workloads == {
        "cuda-batch-small": {
            "name": "cuda-batch-small",
            "kind": "Pod",
            "running": 1,
            "pending": 0,
            "reasons": [],
        },
        "cuda-train-16gpu": {
            "name": "cuda-train-16gpu",
            "kind": "Pod",
            "running": 0,
            "pending": 1,
            "reasons": [REASON_INSUFFICIENT_GPU],
        },
        "cuda-needs-b200": {
            "name": "cuda-needs-b200",
            "kind": "Pod",
            "running": 0,
            "pending": 1,
            "reasons": [REASON_NODE_SELECTOR],
        },
        "queue-pressure": {
            "name": "queue-pressure",
            "kind": "Deployment",
            "running": 31,
            "pending": 9,
            "reasons": [REASON_INSUFFICIENT_GPU],
        },
    }
    assert data["stackFile"] == "Pulumi.lesson1.yaml"
    assert data["spec"]["pools"]["l40s"]["gpusPerNode"] == 4
    assert data["apiRequests"] == len(EXPECTED_REQUESTS)
    assert data["versions"] == {
        "kubernetes": "v1.36.1",
        "kwokControllerImages": ["registry.k8s.io/kwok/kwok:v0.7.0"],
        "operatorCharts": ["fake-gpu-operator-0.0.59"],
        "operatorImages": [
            f"gcr.io/run-ai-staging/fake-gpu-operator/{name}:0.0.59"
            for name in (
                "device-plugin",
                "kwok-gpu-device-plugin",
                "status-exporter",
                "status-updater",
                "topology-server",
            )
        ],
    }
    gpus = {
        n["name"]: (n["fake"], n["pool"], n["gpuCapacity"], n["gpuAllocatable"])
        for n in data["nodes"]
    }
    assert gpus == {
        "ai-factory-lab-control-plane": (False, None, None, None),
        "ai-factory-lab-worker": (False, None, None, None),
        "kwok-gpu-a100-0": (True, "a100", 8, 8),
        "kwok-gpu-a100-1": (True, "a100", 8, 8),
        "kwok-gpu-h100-0": (True, "h100", 8, 8),
        "kwok-gpu-l40s-0": (True, "l40s", 4, 4),
        "kwok-gpu-l40s-1": (True, "l40s", 4, 4),
    }
    small = next(p for p in data["demoPods"] if p["name"] == "cuda-batch-small")
    assert (small["phase"], small["node"]) == ("Running", "kwok-gpu-a100-0")


def test_reads_cost_six_gets_only(api_server: ApiServer, kubeconfig: Path, tmp_path: Path) -> None:
    api_server.serve(lesson1_cluster())
    assert collect(kubeconfig, tmp_path / "ev") == 0
    assert api_server.requests == EXPECTED_REQUESTS


def test_a_1000_node_fleet_is_read_in_pages_of_500(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path
) -> None:
    cluster = large_cluster()
    assert sum(n["metadata"]["name"].startswith("kwok-gpu-") for n in cluster.nodes) == 1000
    assert len(cluster.nodes) == 1002
    api_server.serve(cluster)
    assert collect(kubeconfig, tmp_path / "ev", LARGE_STACK) == 0
    assert len(cluster.pods) == 2014
    # A list of N objects takes ceil(N / 500) requests, each continuing where the last ended.
    pages = [
        ("GET", "/api/v1/nodes?limit=500"),
        ("GET", "/api/v1/nodes?continue=500&limit=500"),
        ("GET", "/api/v1/nodes?continue=1000&limit=500"),
        ("GET", "/api/v1/pods?limit=500"),
        *[("GET", f"/api/v1/pods?continue={start}&limit=500") for start in (500, 1000, 1500, 2000)],
    ]
    assert api_server.requests == EXPECTED_REQUESTS[:1] + pages + EXPECTED_REQUESTS[3:]
    data = json.loads((tmp_path / "ev" / "evidence.json").read_text())
    assert data["apiRequests"] == len(EXPECTED_REQUESTS) + 6
    assert len(data["nodes"]) == 1002
    fake = [n for n in data["nodes"] if n["fake"]]
    assert len(fake) == 1000
    assert len({n["name"] for n in data["nodes"]}) == 1002  # no page read twice
    assert sum(n["gpuAllocatable"] for n in fake) == 6400
    gpu_lines = (tmp_path / "ev" / "gpu-resources.txt").read_text().splitlines()
    assert len(gpu_lines) == 1 + 1002


def test_text_files(api_server: ApiServer, kubeconfig: Path, tmp_path: Path) -> None:
    api_server.serve(lesson1_cluster())
    out = tmp_path / "ev"
    assert collect(kubeconfig, out) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "demo-pods.txt",
        "events.txt",
        "evidence.json",
        "gpu-resources.txt",
        "nodes.txt",
        "pending-pods.txt",
        "pods.txt",
        "versions.txt",
    ]
    nodes = (out / "nodes.txt").read_text()
    assert "node-purpose=system" in nodes
    assert "gpu-pool=l40s" in nodes
    gpu_rows = [line.split() for line in (out / "gpu-resources.txt").read_text().splitlines()]
    assert ["kwok-gpu-l40s-1", "l40s", "NVIDIA-L40S", "4", "4"] in gpu_rows
    assert ["ai-factory-lab-worker", "<none>", "<none>", "<none>", "<none>"] in gpu_rows
    pending = (out / "pending-pods.txt").read_text()
    b200 = "gpu-demo/cuda-needs-b200\n  workload: cuda-needs-b200\n"
    assert f"{b200}  causes:   {REASON_NODE_SELECTOR}\n" in pending
    assert pending.count(f"causes:   {REASON_INSUFFICIENT_GPU}") == 10
    demo = (out / "demo-pods.txt").read_text().splitlines()
    assert len(demo) == 1 + 43
    # Events sorted by time: kubelet's (lastTimestamp) first, then the scheduler's (eventTime).
    events = (out / "events.txt").read_text().splitlines()[1:]
    times = [line.split()[0] for line in events]
    assert times == sorted(times)
    assert "Started" in events[0]
    assert events[-1].endswith(NO_GPU_MESSAGE)
    assert "v1.36.1" in (out / "versions.txt").read_text()


def test_pending_cause_comes_from_the_latest_event_of_that_pod(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path
) -> None:
    cluster = lesson1_cluster()
    b200 = next(e for e in cluster.events if e["involvedObject"]["name"] == "cuda-needs-b200")
    # An older event of the same pod that says something else, and a newer one of an
    # earlier pod of the same name (another uid): neither may decide the cause.
    older = json.loads(json.dumps(b200)) | {
        "eventTime": "2026-05-04T09:19:00.000000Z",
        "message": NO_GPU_MESSAGE,
    }
    stale = json.loads(json.dumps(b200)) | {
        "eventTime": "2026-05-04T09:59:00.000000Z",
        "message": NO_GPU_MESSAGE,
    }
    stale["involvedObject"]["uid"] = "00000000-0000-4000-8000-000000000000"
    stale["metadata"]["name"] += "-stale"
    older["metadata"]["name"] += "-older"
    cluster.events += [older, stale]
    api_server.serve(cluster)
    assert collect(kubeconfig, tmp_path / "ev") == 0
    data = json.loads((tmp_path / "ev" / "evidence.json").read_text())
    pod = next(p for p in data["pendingPods"] if p["name"] == "cuda-needs-b200")
    assert pod["reasons"] == [REASON_NODE_SELECTOR]
    assert pod["message"] == NO_POOL_MESSAGE


def test_empty_cluster(api_server: ApiServer, kubeconfig: Path, tmp_path: Path) -> None:
    api_server.serve(Cluster())
    assert collect(kubeconfig, tmp_path / "ev") == 0
    data = json.loads((tmp_path / "ev" / "evidence.json").read_text())
    assert data["nodes"] == []
    assert data["observed"]["workloads"] == []
    assert data["versions"]["kwokControllerImages"] == []
    assert (tmp_path / "ev" / "pending-pods.txt").read_text() == "No Pending pods.\n"


def test_kubeconfig_from_the_environment(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_server.serve(lesson1_cluster())
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    assert main(["evidence", "--stack", str(LESSON1_STACK), "--out", str(tmp_path / "ev")]) == 0
    assert len(api_server.requests) == len(EXPECTED_REQUESTS)


def test_the_report_states_where_its_evidence_came_from(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api_server.serve(lesson1_cluster())
    note = "recorded by a test\nfrom the recorded lesson-1 responses"
    args = ["--stack", str(LESSON1_STACK), "--kubeconfig", str(kubeconfig)]
    assert main(["evidence", *args, "--out", str(tmp_path / "ev"), "--provenance", note]) == 0
    data = json.loads((tmp_path / "ev" / "evidence.json").read_text())
    assert (data["server"], data["context"]) == (api_server.url, "kind-ai-factory-lab")
    assert main(["report", str(tmp_path / "ev")]) == 0
    report = capsys.readouterr().out
    assert f"from {api_server.url} (kubeconfig context `kind-ai-factory-lab`)" in report
    assert "Provenance: recorded by a test from the recorded lesson-1 responses\n" in report


def test_an_inline_kubeconfig_is_used_and_not_recorded(
    api_server: ApiServer, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cluster.kubeconfig` may hold the kubeconfig's text: evidence reads the cluster with
    it, and neither the evidence nor the report holds its credentials."""
    api_server.serve(lesson1_cluster())
    document = yaml.safe_load(LESSON1_STACK.read_text())
    document["config"]["gpu-fleet:cluster"] = {
        "mode": "existing",
        "kubeconfig": kubeconfig.read_text(),
        "allowFakeNodes": True,
    }
    stack = tmp_path / "Pulumi.inline.yaml"
    stack.write_text(yaml.safe_dump(document))
    assert main(["evidence", "--stack", str(stack), "--out", str(tmp_path / "ev")]) == 0
    assert main(["report", str(tmp_path / "ev")]) == 0
    assert "recorded-token" in kubeconfig.read_text()
    for written in (tmp_path / "ev").iterdir():
        assert "recorded-token" not in written.read_text(), written.name
    assert "recorded-token" not in capsys.readouterr().out


def test_unreachable_cluster_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}")
    assert collect(kubeconfig, tmp_path / "ev") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith(
        f"cannot read the cluster at http://127.0.0.1:{port} "
        f"(context kind-ai-factory-lab of {kubeconfig}): [Errno 111] Connection refused; "
    )
    assert "HTTPConnectionPool" not in err
    assert "Traceback" not in err
    assert not (tmp_path / "ev").exists()


def test_unknown_context_is_a_clear_error(
    kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["evidence", "--stack", str(LESSON1_STACK), "--kubeconfig", str(kubeconfig)]
    assert main([*args, "--context", "nope", "--out", str(tmp_path / "ev")]) == 2
    assert "cannot load the kubeconfig" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("message", "reasons"),
    [
        (NO_GPU_MESSAGE, (REASON_INSUFFICIENT_GPU,)),
        (NO_POOL_MESSAGE, (REASON_NODE_SELECTOR,)),
        (
            "0/7 nodes are available: 2 Insufficient nvidia.com/gpu, 5 Too many pods.",
            (REASON_TOO_MANY_PODS, REASON_INSUFFICIENT_GPU),
        ),
        (
            "0/7 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/"
            "control-plane: }, 2 node(s) didn't match Pod's node affinity/selector, 4 Insufficient "
            "nvidia.com/gpu. preemption: 0/7 nodes are available: 7 Preemption is not helpful.",
            (REASON_NODE_SELECTOR, REASON_INSUFFICIENT_GPU),
        ),
        (
            "0/7 nodes are available: 7 Insufficient cpu. preemption: 6 Insufficient "
            "nvidia.com/gpu",
            (),
        ),
    ],
)
def test_reasons_in_scheduler_messages(message: str, reasons: tuple[str, ...]) -> None:
    assert reasons_in(message) == reasons
