"""The report page: HTML text with inline CSS and SVG, escaped, nothing fetched."""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from fleet.evidence.checks import Validation
from fleet.replay.compare import Comparison, placement_summary
from fleet.replay.document import ReplayDocument
from fleet.replay.fidelity import summary as fidelity_summary
from fleet.report import charts
from fleet.report.markdown import workload_cells
from fleet.stack.spec import FleetSpec

STYLE = """
body { font-family: sans-serif; margin: 2em auto; padding: 0 1.5em; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.fail { color: #b00; font-weight: bold; }
figure { margin: 0 0 2em; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9em; }
"""


@dataclass(frozen=True)
class ReplayPart:
    document: ReplayDocument
    comparison: Comparison


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(cell)}</td>' if i in numeric else f"<td>{escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fleet(spec: FleetSpec) -> str:
    rows = [
        (name, str(p.nodes), str(p.gpus_per_node), p.product, str(p.memory_mib), str(p.gpus))
        for name, p in spec.pools.items()
    ]
    rows.append(("total", str(spec.total_nodes), "", "", "", str(spec.total_gpus)))
    header = ("pool", "nodes", "GPUs/node", "product", "GPU memory (MiB)", "GPUs")
    return "<h2>The fleet</h2>" + _table(header, rows, {1, 2, 4, 5})


def _workloads(validation: Validation) -> str:
    if not validation.spec.demo.enabled:
        return "<h2>Scheduling demo</h2><p>The demo is disabled in this stack.</p>"
    rows = [workload_cells(row) for row in validation.workloads]
    rows = [tuple(cell.replace("**", "") for cell in row) for row in rows]
    header = ("workload", "kind", "expected", "observed", "result")
    title = f"Scheduling demo (namespace {validation.spec.demo.namespace})"
    return f"<h2>{escape(title)}</h2>" + _table(header, rows, set())


def _figure(chart_id: str, svg: str, caption: str) -> str:
    return f'<figure id="{chart_id}">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


def _replay(part: ReplayPart) -> str:
    document, comparison = part.document, part.comparison
    predicted, observed = comparison.predicted, comparison.observed
    rows = []
    for row in comparison.figures:
        verdict = {True: " ok", False: " OUT", None: ""}[row.within]
        name = f"{row.metric} ({row.pool})" if row.pool else row.metric
        rows.append(
            (
                name,
                f"{row.predicted:,.1f}",
                f"{row.low:,.1f} - {row.high:,.1f}",
                f"{row.observed:,.1f}",
                f"{row.gap:+.1%}{verdict}",
            )
        )
    waits = comparison.waits
    summary = (
        f"{len(document.rows)} jobs replayed at {document.speed:g}x on namespace "
        f"{document.namespace} in {document.wall_s:,.0f} s of wall time; "
        f"{observed.jobs_finished} of {observed.jobs} jobs finished. "
        f"Mean observed wait from a job's arrival (trace seconds): its pod created after "
        f"{waits.pod_created:,.0f}, bound after {waits.bound:,.0f}, running after "
        f"{waits.running:,.0f}; pods the prediction starts at once waited {waits.overhead:,.0f} "
        "(the control plane's own latency, scaled by the speed). Pods ran "
        f"{waits.overrun:,.0f} longer than their duration on average (KWOK ending them late)."
    )
    placement = placement_summary(comparison.placement)
    capacity = predicted.capacity
    lab = document.fidelity
    return (
        "<h2>Replay: predicted and observed</h2>"
        + (f'<p id="fidelity">{escape(fidelity_summary(lab).replace("**", ""))}</p>' if lab else "")
        + f"<p>{escape(summary)}</p>"
        + _table(("figure", "predicted", "bounds", "observed", "gap"), rows, {1, 3, 4})
        + (f"<p>{escape(placement)}</p>" if placement else "")
        + _figure(
            "chart-gpus",
            charts.gpus_per_pool(predicted, observed, capacity),
            "GPUs in use per pool (dashed: predicted, solid: observed, grey: the pool's GPUs)",
        )
        + _figure(
            "chart-queue",
            charts.queue_length(predicted, observed),
            "Pods waiting for GPUs",
        )
        + _figure(
            "chart-waits",
            charts.waits(predicted, observed),
            "Wait from a job's arrival to its pod running (cumulative share of pods)",
        )
        + _figure(
            "chart-stranded",
            charts.stranded(predicted, observed),
            "Stranded GPUs: free on nodes of a pool a waiting pod may use, where none of them fits",
        )
    )


def render_page(
    title: str,
    spec: FleetSpec,
    validation: Validation | None,
    replay: ReplayPart | None,
    sections: Sequence[str] = (),
) -> str:
    """`sections`: further HTML, already escaped, after the workloads (the telemetry's)."""
    parts = [_fleet(spec)]
    if validation is not None:
        parts.append(_workloads(validation))
    parts += sections
    if replay is not None:
        parts.append(_replay(replay))
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
        + "".join(parts)
        + "</body></html>\n"
    )
