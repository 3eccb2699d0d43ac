"""The report's telemetry section: an evidence folder's `telemetry.json` against its evidence.

What the fleet holds comes from the evidence (Running demo pods, their nodes' pools,
their workloads' GPUs and declared utilization); the rows from
`fleet.telemetry.checks`; the section is Markdown appended to the report.
"""

from collections import Counter
from html import escape

from fleet.demo.plan import plan_demo
from fleet.evidence.document import Evidence
from fleet.stack.spec import FleetSpec
from fleet.stack.utilization import parse_utilization
from fleet.telemetry.checks import FleetHolds, TelemetryRow, telemetry_rows
from fleet.telemetry.snapshot import Telemetry

RUNNING = "Running"


def fleet_holds(evidence: Evidence, spec: FleetSpec) -> FleetHolds:
    workloads = {workload.name: workload for workload in plan_demo(spec).workloads}
    pools = {node.name: node.pool for node in evidence.nodes}
    held: Counter[str] = Counter()
    declared = {}
    for pod in evidence.demo_pods:
        workload = workloads.get(pod.workload)
        if pod.phase != RUNNING or workload is None or pod.node is None:
            continue
        pool = pools.get(pod.node)
        if pool is not None:
            held[pool] += workload.gpus
        declared[f"{spec.demo.namespace}/{pod.name}"] = parse_utilization(workload.utilization)
    return FleetHolds(dict(held), declared)


def rows(telemetry: Telemetry, evidence: Evidence, spec: FleetSpec) -> list[TelemetryRow]:
    return telemetry_rows(telemetry, spec, fleet_holds(evidence, spec))


def failures(found: list[TelemetryRow]) -> list[str]:
    return [
        f"telemetry: {row.check}{f' ({row.pool})' if row.pool else ''}: expected "
        f"{row.expected}, observed {row.observed}"
        for row in found
        if row.ok is False
    ]


def markdown(telemetry: Telemetry, found: list[TelemetryRow]) -> str:
    failed = len(failures(found))
    verdict = "PASS" if not failed else f"FAIL ({failed} rows failed)"
    lines = [
        "",
        "## GPU telemetry",
        "",
        f"Prometheus {telemetry.server}, {telemetry.captured_at.isoformat(timespec='seconds')}: "
        f"{telemetry.gpu_count} GPUs with a live series; window {telemetry.window_minutes} min. "
        f"**{verdict}**",
        "",
        "| check | pool | expected | observed | result |",
        "|---|---|---|---|---|",
        *[
            f"| {row.check} | {row.pool or 'fleet'} | {row.expected} | {row.observed} | "
            f"{row.verdict} |"
            for row in found
        ],
        "",
    ]
    return "\n".join(lines)


def html(telemetry: Telemetry, found: list[TelemetryRow]) -> str:
    """The same rows as an HTML section (escaped), for the report page."""
    header = "".join(
        f"<th>{name}</th>" for name in ("check", "pool", "expected", "observed", "result")
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(cell)}</td>"
            for cell in (row.check, row.pool or "fleet", row.expected, row.observed, row.verdict)
        )
        + "</tr>"
        for row in found
    )
    summary = (
        f"Prometheus {telemetry.server}: {telemetry.gpu_count} GPUs with a live series; "
        f"window {telemetry.window_minutes} min"
    )
    return (
        f"<h2>GPU telemetry</h2><p>{escape(summary)}</p>"
        f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"
    )
