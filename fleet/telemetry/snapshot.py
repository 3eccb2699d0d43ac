"""`telemetry.json`: what the evidence keeps of Prometheus, by a bounded set of instant queries.

Per GPU: its live series (pool, node, index, UUID, product, namespace/pod) with the
utilization now and its lowest and highest over the window; per pool: raw series
count, GPU-hours allocated and used (utilization-weighted) over the window, in 30 s steps; the
exporter's scrape target; the alerts pending or firing. At most `MAX_GPUS` GPU rows
are kept (the count says how many there were).
"""

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from fleet.files import files_in, files_out
from fleet.telemetry.prometheus_api import Sample, query
from fleet.telemetry.series import ALERTS, LIVE_UTIL, SCRAPE_JOB, UTIL

TELEMETRY_FILE = "telemetry.json"
MAX_GPUS = 20_000
MAX_ALERTS = 1_000
DEFAULT_WINDOW_MINUTES = 10
MAX_WINDOW_MINUTES = 7 * 24 * 60
# GPU-hours are summed over the window in steps of this much (a subquery's resolution).
STEP = "30s"
PER_HOUR = 120


class TelemetryError(Exception):
    """A telemetry file that cannot be read or is not one. `str()` is the message."""


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class GpuSeries(_Model):
    pool: str
    node: str
    gpu: str
    uuid: str
    product: str
    namespace: str
    pod: str
    utilization: float
    lowest: float | None
    highest: float | None


class PoolHours(_Model):
    pool: str
    raw_series: int
    allocated_gpu_hours: float
    used_gpu_hours: float


class Alert(_Model):
    name: str
    state: str
    labels: dict[str, str]


class Telemetry(_Model):
    schema_version: int = 1
    server: str
    captured_at: datetime
    window_minutes: int = Field(ge=1, le=MAX_WINDOW_MINUTES)
    target_up: list[float]
    gpu_count: int
    gpus: list[GpuSeries] = Field(max_length=MAX_GPUS)
    pools: list[PoolHours]
    alerts: list[Alert] = Field(max_length=MAX_ALERTS)


def _by_pod_gpu(samples: list[Sample]) -> dict[tuple[str, str], float]:
    return {(s.labels.get("UUID", ""), s.labels.get("pod", "")): s.value for s in samples}


def read_telemetry(url: str, captured_at: datetime, window_minutes: int) -> Telemetry:
    """The snapshot, by instant queries; PrometheusError when the server cannot answer."""
    window = f"{window_minutes}m"
    up = query(url, f'up{{job="{SCRAPE_JOB}"}}')
    live = query(url, LIVE_UTIL)
    # A pod's readings only: the GPU's free series (before the pod came) is another series.
    held_series = f'{LIVE_UTIL}{{pod!=""}}'
    low_by = _by_pod_gpu(query(url, f"min_over_time({held_series}[{window}])"))
    high_by = _by_pod_gpu(query(url, f"max_over_time({held_series}[{window}])"))
    live.sort(
        key=lambda s: (
            s.labels.get("pool", ""),
            s.labels.get("Hostname", ""),
            s.labels.get("gpu", ""),
        )
    )
    gpus = [
        GpuSeries(
            pool=s.labels.get("pool", ""),
            node=s.labels.get("Hostname", ""),
            gpu=s.labels.get("gpu", ""),
            uuid=s.labels.get("UUID", ""),
            product=s.labels.get("modelName", ""),
            namespace=s.labels.get("namespace", ""),
            pod=s.labels.get("pod", ""),
            utilization=s.value,
            lowest=low_by.get((s.labels.get("UUID", ""), s.labels.get("pod", ""))),
            highest=high_by.get((s.labels.get("UUID", ""), s.labels.get("pod", ""))),
        )
        for s in live[:MAX_GPUS]
    ]
    raw = {s.labels.get("pool", ""): s.value for s in query(url, f"count by (pool) ({UTIL})")}
    held = f"({held_series} >= bool 0)"
    used = f"({held_series} / 100)"
    allocated = {
        s.labels.get("pool", ""): s.value
        for s in query(url, f"sum by (pool) (sum_over_time({held}[{window}:{STEP}])) / {PER_HOUR}")
    }
    weighted = {
        s.labels.get("pool", ""): s.value
        for s in query(url, f"sum by (pool) (sum_over_time({used}[{window}:{STEP}])) / {PER_HOUR}")
    }
    pools = [
        PoolHours(
            pool=pool,
            raw_series=int(raw[pool]),
            allocated_gpu_hours=allocated.get(pool, 0.0),
            used_gpu_hours=weighted.get(pool, 0.0),
        )
        for pool in sorted(raw)
    ]
    names = "|".join(ALERTS)
    alerts = [
        Alert(
            name=s.labels.get("alertname", ""),
            state=s.labels.get("alertstate", ""),
            labels={
                k: v
                for k, v in s.labels.items()
                if k not in ("__name__", "alertname", "alertstate")
            },
        )
        for s in query(url, f'ALERTS{{alertname=~"{names}"}}')[:MAX_ALERTS]
    ]
    return Telemetry(
        server=url,
        captured_at=captured_at,
        window_minutes=window_minutes,
        target_up=[s.value for s in up],
        gpu_count=len(live),
        gpus=gpus,
        pools=pools,
        alerts=alerts,
    )


def save_telemetry(telemetry: Telemetry, directory: Path) -> Path:
    path = directory / TELEMETRY_FILE
    files_out.write_text(path, telemetry.model_dump_json(by_alias=True, indent=2) + "\n")
    return path


def load_telemetry(directory: Path) -> Telemetry | None:
    """The folder's telemetry, None when it has none (evidence without a Prometheus)."""
    path = directory / TELEMETRY_FILE
    if not path.exists():
        return None
    try:
        document = files_in.read_json(
            path,
            files_in.MAX_EVIDENCE_BYTES,
            files_in.MAX_EVIDENCE_VALUES,
            files_in.MAX_EVIDENCE_COLLECTIONS,
        )
        return Telemetry.model_validate(document)
    except files_in.FileProblem as error:
        raise TelemetryError(str(error)) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "<root>"
        raise TelemetryError(
            f"{path}: not a telemetry snapshot: {files_in.cut(where)}: {first['msg']}"
            + (f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else "")
        ) from None
