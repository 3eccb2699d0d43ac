"""The validation report as Markdown."""

from collections import defaultdict
from collections.abc import Sequence

from fleet.demo.outcome import WorkloadOutcome
from fleet.evidence.checks import PoolRow, Validation, WorkloadRow
from fleet.evidence.document import PendingPod
from fleet.render import dra
from fleet.stack.spec import FleetSpec, KindClusterSpec

# Pods named per Pending cause before the rest are only counted.
NAMED_PODS = 5

PROVES = (
    "The fake nodes exist with the stack's pools, labels and products.",
    "The Pending causes are told apart from FailedScheduling events alone.",
)
PROVES_DEVICE_PLUGIN = (
    "Each fake node advertises `nvidia.com/gpu` as its pool declares; the GPU table names the "
    "program that wrote the count (the field manager in the node's managedFields).",
    "The default scheduler placed the demo pods using the advertised extended resources, node "
    "selectors and taints exactly as the fleet's model predicts.",
)
PROVES_DRA = (
    f"Each fake node has one ResourceSlice of driver `{dra.DRIVER}` with its pool's devices, "
    "product and memory, and the scheduler allocated the demo's ResourceClaims (by DeviceClass "
    "and CEL selection) only on devices their selection admits, as many as the model predicts.",
)
DOES_NOT_PROVE = (
    "Nothing ran CUDA: the fake nodes run no containers (KWOK only reports pods Running), so no "
    "image was pulled and no GPU code executed.",
    "No NVIDIA driver, device plugin on real hardware, MIG or GPU sharing was exercised.",
    "No real telemetry: any GPU metrics come from the operator's simulation.",
    "That fake-gpu-operator itself is healthy: the evidence lists its chart and images but "
    "reads none of its logs or ConfigMaps.",
    "Only the scheduler's placement against advertised extended resources was checked: not "
    "performance, networking, storage or the behaviour of real kubelets under load.",
)


def _proves(spec: FleetSpec) -> tuple[str, ...]:
    """What a passing run shows, for the ways this stack offers GPUs."""
    device_plugin = PROVES_DEVICE_PLUGIN if spec.offers_device_plugin else ()
    return PROVES + device_plugin + (PROVES_DRA if spec.offers_dra else ())


def _result(passed: bool) -> str:
    return "PASS" if passed else "**FAIL**"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _outcome(outcome: WorkloadOutcome | None) -> str:
    if outcome is None:
        return "no pods"
    text = f"{outcome.running} Running, {outcome.pending} Pending"
    return text + (f" ({'; '.join(outcome.reasons)})" if outcome.reasons else "")


def _environment(validation: Validation) -> list[str]:
    versions, spec = validation.evidence.versions, validation.spec
    cluster_pin = spec.cluster.node_image if isinstance(spec.cluster, KindClusterSpec) else "-"
    found = "not found"
    return [
        "## Environment",
        "",
        *_table(
            ("component", "observed", "pinned by the stack"),
            [
                ("Kubernetes server", versions.kubernetes or found, cluster_pin),
                (
                    "KWOK controller",
                    ", ".join(versions.kwok_controller_images) or found,
                    spec.kwok.version,
                ),
                (
                    "fake-gpu-operator chart",
                    ", ".join(versions.operator_charts) or found,
                    spec.operator.version,
                ),
                (
                    "fake-gpu-operator images",
                    ", ".join(versions.operator_images) or found,
                    f"namespace {spec.operator.namespace}",
                ),
            ],
        ),
    ]


def _pool_cells(row: PoolRow) -> tuple[str, ...]:
    offered: tuple[str, ...] = (str(row.gpus_advertised),) if row.device_plugin else ()
    offered += (str(row.devices_published),) if row.dra else ()
    return (
        row.name,
        f"{row.spec.nodes} / {row.nodes_observed}",
        str(row.spec.gpus_per_node),
        ", ".join(row.products_observed) or "-",
        str(row.spec.gpus),
        *offered,
        _result(row.fleet_passed),
    )


def _fleet(validation: Validation) -> list[str]:
    spec = validation.spec
    offered: tuple[str, ...] = ("GPUs advertised",) if spec.offers_device_plugin else ()
    offered += ("DRA devices published",) if spec.offers_dra else ()
    lines = [
        "## Fleet",
        "",
        *_table(
            (
                "pool",
                "nodes expected / observed",
                "GPUs/node",
                "product observed",
                "GPUs expected",
                *offered,
                "result",
            ),
            [_pool_cells(row) for row in validation.pools],
        ),
    ]
    rows = []
    if spec.offers_device_plugin:
        lines += [
            "### GPUs advertised per node",
            "",
            "A node matches when its `nvidia.com/gpu` capacity and allocatable both equal the "
            "pool's gpusPerNode. *Written by* is the field manager that set the count on the "
            "nodes' status (fake-gpu-operator's is `kwok-gpu-device-plugin`).",
            "",
        ]
        rows += [
            (
                f"pool {row.name}",
                f"{row.nodes_advertising} of {row.spec.nodes} nodes advertise "
                f"{row.spec.gpus_per_node}"
                + (f"; written by {', '.join(row.advertised_by)}" if row.advertised_by else ""),
                _result(row.advertisement_passed),
            )
            for row in validation.pools
        ]
    if spec.offers_dra:
        lines += [
            "### DRA devices published per node",
            "",
            f"A node matches when it has exactly one ResourceSlice of driver `{dra.DRIVER}`, with "
            "gpusPerNode devices, each of the pool's product and GPU memory.",
            "",
        ]
        rows += [
            (
                f"pool {row.name} (DRA)",
                f"{row.nodes_publishing} of {row.spec.nodes} nodes publish "
                f"{row.spec.gpus_per_node} {row.spec.product}",
                _result(row.publication_passed),
            )
            for row in validation.pools
        ]
    stray = validation.stray_nodes
    listed = ", ".join(stray[:NAMED_PODS]) + (" ..." if len(stray) > NAMED_PODS else "")
    rows.append(
        (
            "fake nodes outside the stack's pools",
            f"{len(stray)}" + (f": {listed}" if stray else ""),
            _result(not stray),
        )
    )
    return [*lines, *_table(("check", "observed", "result"), rows)]


def _claims(validation: Validation) -> list[str]:
    """The DRA workloads' claims: how many were allocated, and on which products."""
    if not validation.spec.offers_dra or not validation.spec.demo.enabled:
        return []
    rows = [
        (
            row.name,
            f"{row.expected.running} allocated, {row.expected.pending} not",
            f"{row.allocated} allocated, {len(row.claims) - row.allocated} not",
            ", ".join(row.products_allocated) or "-",
            ", ".join(row.products_admitted) or "none",
            _result(row.passed),
        )
        for row in validation.claims
    ]
    header = ("workload", "claims expected", "claims observed", "products allocated")
    return [
        "## DRA claims",
        "",
        *_table((*header, "products the claim admits", "result"), rows),
    ]


def workload_cells(row: WorkloadRow) -> tuple[str, ...]:
    known = row.expected or row.observed
    kind = known.kind if known else "-"
    return (row.name, kind, _outcome(row.expected), _outcome(row.observed), _result(row.passed))


def _workloads(validation: Validation) -> list[str]:
    namespace = validation.spec.demo.namespace
    if not validation.spec.demo.enabled:
        return ["## Workloads", "", "The demo is disabled in this stack: nothing to check.", ""]
    expected, observed = validation.expected, validation.observed
    return [
        f"## Workloads (namespace `{namespace}`)",
        "",
        *_table(
            ("workload", "kind", "expected", "observed", "result"),
            [workload_cells(row) for row in validation.workloads],
        ),
        "### Namespace totals",
        "",
        *_table(
            ("phase", "expected", "observed", "result"),
            [
                (
                    "Running",
                    str(expected.running),
                    str(observed.running),
                    _result(validation.running_passed),
                ),
                (
                    "Pending",
                    str(expected.pending),
                    str(observed.pending),
                    _result(validation.pending_passed),
                ),
            ],
        ),
        *([f"Model caveat: {caveat}" for caveat in expected.caveats] or []),
        *([""] if expected.caveats else []),
    ]


def _causes(validation: Validation) -> list[str]:
    groups: dict[tuple[str, str], list[PendingPod]] = defaultdict(list)
    for pod in validation.pending_pods:
        workload = pod.workload or f"(not a demo pod, namespace {pod.namespace})"
        cause = "; ".join(pod.reasons) if pod.reasons else "no known cause in its events"
        groups[(workload, cause)].append(pod)
    rows = []
    for (workload, cause), pods in sorted(groups.items()):
        names = ", ".join(f"`{pod.name}`" for pod in pods[:NAMED_PODS])
        more = f" and {len(pods) - NAMED_PODS} more" if len(pods) > NAMED_PODS else ""
        rows.append((workload, cause, str(len(pods)), names + more))
    body = (
        _table(("workload", "cause (from FailedScheduling)", "pods", "which pods"), rows)
        if rows
        else ["No Pending pods.", ""]
    )
    return ["## Pending causes, from events alone", "", *body]


def render(validation: Validation) -> str:
    evidence = validation.evidence
    failures = validation.failures()
    verdict = "PASS" if not failures else f"FAIL ({len(failures)} rows failed)"
    lines = [
        f"# Fleet validation report: `{evidence.stack_file}`",
        "",
        f"Evidence captured {evidence.captured_at.isoformat(timespec='seconds')}"
        + (f" from {evidence.server}" if evidence.server else "")
        + (f" (kubeconfig context `{evidence.context}`)" if evidence.context else "")
        + f" with {evidence.api_requests} read-only API requests.",
        "",
        *([f"Provenance: {evidence.provenance}", ""] if evidence.provenance else []),
        f"**Result: {verdict}**",
        "",
        *[f"- failed: {failure}" for failure in failures],
        *([""] if failures else []),
        *_environment(validation),
        *_fleet(validation),
        *_workloads(validation),
        *_claims(validation),
        *_causes(validation),
        "## What this run proves (when every row passes)",
        "",
        *[f"- {line}" for line in _proves(validation.spec)],
        "",
        "## What it does not prove",
        "",
        *[f"- {line}" for line in DOES_NOT_PROVE],
    ]
    return "\n".join(lines) + "\n"
