"""How the lab configures the schedulers' controllers it runs on the host."""

import base64
from pathlib import Path
from typing import Any

import pytest

from benchmarks.replay import JOB_SYNCS
from lab import kai_host
from lab.kai_admission import admission_command
from lab.kai_host import DEPLOYMENTS, Rendered, host_arguments, kai_commands
from lab.kueue_host import LAB_TUNING, KueueTuning, tuned

# Part of the configuration Kueue's chart (0.17.0) puts in the manager's ConfigMap.
CHART_CONFIG: dict[str, Any] = {
    "apiVersion": "config.kueue.x-k8s.io/v1beta2",
    "kind": "Configuration",
    "controller": {
        "groupKindConcurrency": {
            "Job.batch": 5,
            "Pod": 5,
            "Workload.kueue.x-k8s.io": 5,
            "LocalQueue.kueue.x-k8s.io": 1,
            "ClusterQueue.kueue.x-k8s.io": 1,
            "ResourceFlavor.kueue.x-k8s.io": 1,
        }
    },
    "integrations": {"frameworks": ["batch/job"]},
}


def test_kueue_releases_the_quota_of_a_workload_whose_pods_do_not_start() -> None:
    config = tuned(CHART_CONFIG, LAB_TUNING)
    assert config["waitForPodsReady"]["timeout"] == "60s"
    assert config["waitForPodsReady"]["blockAdmission"] is False
    strategy = config["waitForPodsReady"]["requeuingStrategy"]
    assert (strategy["backoffBaseSeconds"], strategy["backoffMaxSeconds"]) == (10, 60)
    assert config["fairSharing"]["preemptionStrategies"] == [
        "LessThanOrEqualToFinalShare",
        "LessThanInitialShare",
    ]
    # The chart's own settings stay, its reconcile concurrency included.
    assert config["controller"] == CHART_CONFIG["controller"]
    assert config["integrations"] == CHART_CONFIG["integrations"]
    assert "waitForPodsReady" not in CHART_CONFIG


def test_the_bench_runs_kueues_job_reconcilers_as_concurrent_as_the_job_controller() -> None:
    tuning = KueueTuning(job_concurrency=JOB_SYNCS)
    concurrency = tuned(CHART_CONFIG, tuning)["controller"]["groupKindConcurrency"]
    assert CHART_CONFIG["controller"]["groupKindConcurrency"]["Job.batch"] == 5
    assert JOB_SYNCS == 50
    assert concurrency["Job.batch"] == concurrency["Pod"] == JOB_SYNCS
    assert concurrency["Workload.kueue.x-k8s.io"] == JOB_SYNCS
    assert concurrency["ClusterQueue.kueue.x-k8s.io"] == 1


def test_kai_commands_keep_the_operators_arguments_but_listen_on_free_loopback_ports() -> None:
    rendered = ["--scheduler-name", "kai-scheduler", "--metrics-listen-address", ":8080",
                "--listen-address=:8080", "--leader-elect"]  # fmt: skip
    moved = host_arguments(
        rendered,
        {
            "metrics-listen-address": "127.0.0.1:1",
            "listen-address": "127.0.0.1:2",
            "health-probe-bind-address": "127.0.0.1:3",
        },
    )
    assert moved == [
        "--scheduler-name", "kai-scheduler", "--metrics-listen-address=127.0.0.1:1",
        "--listen-address=127.0.0.1:2", "--leader-elect", "--health-probe-bind-address=127.0.0.1:3",
    ]  # fmt: skip


def test_kai_runs_each_controller_and_scheduler_as_the_operator_renders_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shard_args = ["--scheduler-conf=/etc/config/config.yaml", "--scheduler-name=kai-scheduler",
                  "--nodepool-label-key=kai.scheduler/node-pool", "--partition-label-value=",
                  "--resource-reservation-app-label=kai-resource-reservation",
                  "--listen-address=:8080"]  # fmt: skip
    arguments = {name: ["--scheduler-name", "kai-scheduler"] for name in DEPLOYMENTS.values()}
    rendered = Rendered(
        {**arguments, "kai-scheduler-default": shard_args},
        {"kai-scheduler-default": {"GOGC": "400"}},
        {"kai-scheduler-default": {"config.yaml": "actions: allocate, reclaim\n"}},
    )
    monkeypatch.setattr(kai_host, "free_port_or_fail", lambda port, what: None)
    binaries = {f"kai-{c}": Path(f"/bin/{c}") for c in [*DEPLOYMENTS, "scheduler", "render"]}
    commands = kai_commands(
        binaries, rendered, tmp_path / "kubeconfig", tmp_path, (1000, 2000), JOB_SYNCS
    )
    names = [c.name for c in commands]
    assert names == [*(f"kai-{c}" for c in DEPLOYMENTS), "kai-scheduler-default"]
    scheduler = commands[-1]
    conf = tmp_path / "kai-scheduler-default.yaml"
    assert f"--scheduler-conf={conf}" in scheduler.argv
    assert conf.read_text() == "actions: allocate, reclaim\n"
    for kept in shard_args[1:5]:
        assert kept in scheduler.argv
    assert scheduler.argv[-2:] == ["--qps=1000", "--burst=2000"]
    assert scheduler.env["GOGC"] == "400"
    listen = [a for a in scheduler.argv if a.startswith("--listen-address=")]
    assert len(listen) == 1
    assert listen[0].startswith("--listen-address=127.0.0.1:")
    by_name = {c.name: c.argv for c in commands}
    assert "--enable-webhook=false" in by_name["kai-queuecontroller"]
    assert "--enable-podgroup-webhook=false" in by_name["kai-podgroupcontroller"]
    # As concurrent as the Job controller where the bench asks for it.
    for command in ("kai-binder", "kai-podgrouper", "kai-podgroupcontroller"):
        assert f"--max-concurrent-reconciles={JOB_SYNCS}" in by_name[command]
    assert not any("max-concurrent" in a for a in by_name["kai-queuecontroller"])


def test_kais_admission_serves_the_operators_certificate_on_the_hosts_port(
    tmp_path: Path,
) -> None:
    crt, key = base64.b64encode(b"CERT").decode(), base64.b64encode(b"KEY").decode()
    hook = {"name": "pods.kai", "clientConfig": {"caBundle": crt, "service": {"name": "admission"}}}
    other = {"name": "queues.kai", "clientConfig": {"caBundle": "x", "service": {"name": "q"}}}
    rendered = Rendered(
        {
            "admission": [
                "--scheduler-name",
                "kai-scheduler",
                "--webhook-addr",
                "9443",
                "--metrics-bind-address",
                ":8080",
            ]
        },
        {"admission": {"GOGC": "100"}},
        {},
        (
            ("Secret", {"metadata": {"name": "q-tls"}, "data": {"tls.crt": "x"}}),
            ("Secret", {"metadata": {"name": "a-tls"}, "data": {"tls.crt": crt, "tls.key": key}}),
            ("MutatingWebhookConfiguration", {"metadata": {"name": "m"}, "webhooks": [hook]}),
            ("ValidatingWebhookConfiguration", {"metadata": {"name": "v"}, "webhooks": [other]}),
        ),
    )
    binaries = {"kai-admission": Path("/bin/admission")}
    command = admission_command(binaries, rendered, tmp_path / "kc", tmp_path, 31234, [])
    assert "--webhook-addr=31234" in command.argv
    assert "--metrics-bind-address=:8080" not in command.argv
    certs = Path(command.env["TMPDIR"]) / "k8s-webhook-server" / "serving-certs"
    assert (certs / "tls.crt").read_bytes() == b"CERT"
    assert (certs / "tls.key").read_bytes() == b"KEY"
    assert command.env["GOGC"] == "100"
