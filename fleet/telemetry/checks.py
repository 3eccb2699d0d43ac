"""The report's telemetry rows: what Prometheus saw, against what the fleet holds.

Per pool: one live series per GPU; the GPUs whose series carry a pod label are the
GPUs the Running pods hold (none for Pending pods); each pod's readings inside its
declared utilization range; GPU-hours allocated and used (information). For the
fleet: the exporter's scrape target up, and the alerts seen (pending or firing) are
the ones the fleet predicts: a pool over `poolFullPercent` allocated, a GPU held by
a pod whose every reading is below `idleBelowPercent`, and no exporter down.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from fleet.stack.spec import FleetSpec
from fleet.stack.utilization import UtilizationRange
from fleet.telemetry.series import ALERT_EXPORTER_DOWN, ALERT_IDLE, ALERT_PENDING, ALERT_POOL_FULL
from fleet.telemetry.snapshot import Telemetry

SHOWN = 3


@dataclass(frozen=True)
class TelemetryRow:
    check: str
    pool: str
    expected: str
    observed: str
    # None: information, neither PASS nor FAIL.
    ok: bool | None

    @property
    def verdict(self) -> str:
        return "INFO" if self.ok is None else ("PASS" if self.ok else "FAIL")


@dataclass(frozen=True)
class FleetHolds:
    """What the evidence says the fleet holds: GPUs of Running pods per pool, and each
    Running pod's declared utilization (by `namespace/pod`)."""

    held_gpus: Mapping[str, int]
    declared: Mapping[str, UtilizationRange]


def _listed(items: list[str]) -> str:
    more = len(items) - SHOWN
    return ", ".join(items[:SHOWN]) + (f" and {more} more" if more > 0 else "")


def pool_rows(telemetry: Telemetry, spec: FleetSpec, holds: FleetHolds) -> list[TelemetryRow]:
    rows: list[TelemetryRow] = []
    raw = {pool.pool: pool for pool in telemetry.pools}
    for name, pool in spec.pools.items():
        gpus = [gpu for gpu in telemetry.gpus if gpu.pool == name]
        per_uuid = Counter(gpu.uuid for gpu in gpus)
        want = pool.nodes * pool.gpus_per_node
        one_each = len(per_uuid) == want and all(count == 1 for count in per_uuid.values())
        exposed = raw[name].raw_series if name in raw else 0
        rows.append(
            TelemetryRow(
                "GPUs with one live series",
                name,
                str(want),
                f"{len(per_uuid)} GPUs, {len(gpus)} series (exporter: {exposed})",
                one_each,
            )
        )
        labelled = [gpu for gpu in gpus if gpu.pod]
        held = holds.held_gpus.get(name, 0)
        rows.append(
            TelemetryRow(
                "GPUs labelled with a pod",
                name,
                f"{held} (held by Running pods)",
                str(len(labelled)),
                len(labelled) == held,
            )
        )
        outside, checked = [], 0
        for gpu in labelled:
            declared = holds.declared.get(f"{gpu.namespace}/{gpu.pod}")
            if declared is None or gpu.lowest is None or gpu.highest is None:
                continue
            checked += 1
            if not (declared.holds(gpu.lowest) and declared.holds(gpu.highest)):
                outside.append(
                    f"{gpu.pod} on {gpu.node} gpu {gpu.gpu}: {gpu.lowest:g}-{gpu.highest:g} "
                    f"outside {declared.text}"
                )
        rows.append(
            TelemetryRow(
                "utilization within the declared range",
                name,
                f"{checked} GPUs inside their pod's range",
                f"{checked - len(outside)} inside" + (f"; {_listed(outside)}" if outside else ""),
                not outside and checked == len(labelled),
            )
        )
        hours = raw.get(name)
        if hours is not None:
            share = (
                f" ({100 * hours.used_gpu_hours / hours.allocated_gpu_hours:.0f} % used)"
                if hours.allocated_gpu_hours
                else ""
            )
            rows.append(
                TelemetryRow(
                    f"GPU-hours over {telemetry.window_minutes} min",
                    name,
                    f"{hours.allocated_gpu_hours:.2f} allocated",
                    f"{hours.used_gpu_hours:.2f} used{share}",
                    None,
                )
            )
    return rows


def expected_alerts(
    telemetry: Telemetry, spec: FleetSpec, holds: FleetHolds
) -> dict[str, set[str]]:
    """Per alert, what it should be seen for: pools (pool full), `namespace/pod` (idle)."""
    monitoring = spec.monitoring
    full = {
        name
        for name, pool in spec.pools.items()
        if 100 * holds.held_gpus.get(name, 0)
        > monitoring.pool_full_percent * pool.nodes * pool.gpus_per_node
    }
    idle = {
        pod
        for pod, declared in holds.declared.items()
        if declared.highest_reading < monitoring.idle_below_percent
        and any(f"{gpu.namespace}/{gpu.pod}" == pod for gpu in telemetry.gpus)
    }
    return {ALERT_POOL_FULL: full, ALERT_IDLE: idle, ALERT_EXPORTER_DOWN: set()}


def _seen(telemetry: Telemetry, alert: str) -> set[str]:
    seen = set()
    for found in telemetry.alerts:
        if found.name != alert:
            continue
        if alert == ALERT_POOL_FULL:
            seen.add(found.labels.get("pool", ""))
        elif alert == ALERT_IDLE:
            seen.add(f"{found.labels.get('namespace', '')}/{found.labels.get('pod', '')}")
        else:
            seen.add(found.state)
    return seen


def fleet_rows(telemetry: Telemetry, spec: FleetSpec, holds: FleetHolds) -> list[TelemetryRow]:
    up = telemetry.target_up
    rows = [
        TelemetryRow(
            "exporter scrape target up",
            "",
            "1 target, up",
            f"{len(up)} target(s), up: {', '.join(f'{value:g}' for value in up) or 'none'}",
            up == [1.0],
        )
    ]
    for alert, wanted in expected_alerts(telemetry, spec, holds).items():
        seen = _seen(telemetry, alert)
        rows.append(
            TelemetryRow(
                f"alert {alert}",
                "",
                f"seen for {_listed(sorted(wanted))}" if wanted else "not seen",
                f"seen for {_listed(sorted(seen))}" if seen else "not seen",
                seen == wanted,
            )
        )
    pending = _seen(telemetry, ALERT_PENDING)
    rows.append(
        TelemetryRow(
            f"alert {ALERT_PENDING}",
            "",
            "needs kube-state-metrics' pod series",
            f"seen ({', '.join(sorted(pending))})" if pending else "not seen",
            None,
        )
    )
    return rows


def telemetry_rows(telemetry: Telemetry, spec: FleetSpec, holds: FleetHolds) -> list[TelemetryRow]:
    return [*pool_rows(telemetry, spec, holds), *fleet_rows(telemetry, spec, holds)]
