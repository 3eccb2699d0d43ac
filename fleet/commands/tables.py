"""The rich tables the commands print: the fleet summary (with its topology, autoscaled
pools and teams), the expected demo outcome, a
trace's forecast and the expected steps of the scheduler demo.

A table is printed (`output.print_table`) without ever cutting a number (or any cell) to
fit a narrow terminal, nor breaking a name across lines; only the reasons wrap, at spaces
where they can, and only on a terminal.
"""

from collections.abc import Collection, Iterable, Sequence

from rich.cells import cell_len
from rich.table import Table

from fleet.commands.output import console, print_table
from fleet.demo.outcome import FleetOutcome
from fleet.heartbeat.advice import control_plane_note
from fleet.replay.compare import Figure
from fleet.replay.forecast import Forecast
from fleet.schedulers.scenarios import Scenario
from fleet.schedulers.topology_scenarios import TopologyScenario
from fleet.stack.autoscale import CAPACITY_TYPES, instance_type_name, node_pool_name
from fleet.stack.figures import per_gpu
from fleet.stack.spec import FleetSpec, KindClusterSpec

# The action column of the scheduler demos' tables.
_STEP_ACTION = "what happens (job pods x GPUs)"


def number_column(table: Table, header: str, numbers: Iterable[object]) -> None:
    """A right-aligned column of `numbers`, never wrapped or cut."""
    table.add_column(header, justify="right", no_wrap=True, min_width=_widest(header, numbers))


def name_column(table: Table, header: str, names: Iterable[str]) -> None:
    """A left-aligned column of `names` (pools, products, workloads), each kept whole on
    its line, so that `NVIDIA-A100-SXM4-80GB` stays one word to search for and copy."""
    table.add_column(header, no_wrap=True, min_width=_widest(header, names))


def _widest(header: str, cells: Iterable[object]) -> int:
    return max(cell_len(str(cell)) for cell in [header, *cells])


def text_column(table: Table, header: str) -> None:
    """A left-aligned column whose cells wrap, folding a long word rather than cutting it."""
    table.add_column(header, overflow="fold")


def summary_table(spec: FleetSpec, title: str) -> Table:
    rows = [
        (
            name,
            str(pool.nodes),
            str(pool.gpus_per_node),
            pool.product,
            str(pool.memory_mib),
            str(pool.gpus),
        )
        for name, pool in spec.pools.items()
    ]
    total = ("total", str(spec.total_nodes), "", "", "", str(spec.total_gpus))
    headers = ("pool", "nodes", "GPUs/node", "product", "GPU memory (MiB)", "GPUs")
    return _table(title, headers, rows, total, numeric={1, 2, 4, 5})


def outcome_table(outcome: FleetOutcome, title: str) -> Table:
    rows = [
        (
            workload.name,
            workload.kind,
            str(workload.running),
            str(workload.pending),
            "; ".join(workload.reasons),
        )
        for workload in outcome.workloads
    ]
    total = ("total", "", str(outcome.running), str(outcome.pending), "")
    headers = ("workload", "kind", "running", "pending", "reason(s)")
    return _table(title, headers, rows, total, numeric={2, 3}, wrapped={4})


def scenario_table(scenario: Scenario, title: str) -> Table:
    """One row per team after each step: GPUs running and GPUs waiting."""
    rows = [
        (
            str(index) if row == 0 else "",
            step.action if row == 0 else "",
            state.team,
            str(state.running),
            str(state.waiting),
        )
        for index, step in enumerate(scenario.steps, start=1)
        for row, state in enumerate(step.expected)
    ]
    headers = ("step", _STEP_ACTION, "team", "GPUs running", "GPUs waiting")
    return _table(title, headers, rows, None, numeric={0, 3, 4}, wrapped={1})


def topology_scenario_table(scenario: TopologyScenario, title: str) -> Table:
    """One row per gang after each step: running, waiting or refused, in how many racks and
    blocks; per step the pool's free GPUs and those stranded (free, but no waiting gang
    fits in any one domain)."""
    rows = [
        (
            str(index) if row == 0 else "",
            step.action if row == 0 else "",
            placement.job,
            placement.state,
            str(placement.racks) if placement.state == "running" else "-",
            str(placement.blocks) if placement.state == "running" else "-",
            str(step.free_gpus) if row == 0 else "",
            str(step.stranded_gpus) if row == 0 else "",
        )
        for index, step in enumerate(scenario.steps, start=1)
        for row, placement in enumerate(step.expected)
    ]
    headers = (
        "step",
        _STEP_ACTION,
        "gang",
        "state",
        "racks",
        "blocks",
        "free GPUs",
        "stranded GPUs",
    )
    return _table(title, headers, rows, None, numeric={0, 4, 5, 6, 7}, wrapped={1})


def topology_table(spec: FleetSpec) -> Table:
    """The pools with a topology: racks, blocks and NVLink domains, and the level labels."""
    rows = []
    for name, pool in spec.topology_pools.items():
        assert pool.topology is not None
        per_block = pool.topology.racks_per_block
        rows.append(
            (
                name,
                str(pool.racks),
                str(pool.topology.nodes_per_rack),
                str(pool.rack_gpus),
                str(pool.blocks) if per_block is not None else "-",
                str(per_block) if per_block is not None else "-",
                str(pool.nvlink_domains),
                ", ".join(pool.topology.level_labels),
            )
        )
    headers = (
        "pool",
        "racks",
        "nodes/rack",
        "GPUs/rack",
        "blocks",
        "racks/block",
        "NVLink domains",
        "levels (widest first)",
    )
    return _table("topology", headers, rows, None, numeric=set(range(1, 7)), wrapped={7})


def autoscale_table(spec: FleetSpec) -> Table:
    """The autoscaled pools: nodes and GPUs from min to max, the NodePool and instance type
    Karpenter is given, and per capacity type the price per node-hour and the pool's cost
    per hour from min to max nodes."""
    rows = []
    for name, pool in spec.autoscaled_pools.items():
        scale = pool.autoscale
        assert scale is not None
        costs = scale.cost_per_hour()
        for index, (key, price) in enumerate(scale.prices.offered.items()):
            low, high = costs[key]
            first = index == 0
            rows.append(
                (
                    name if first else "",
                    f"{scale.min}..{scale.max}" if first else "",
                    f"{scale.min * pool.gpus_per_node}..{scale.max * pool.gpus_per_node}"
                    if first
                    else "",
                    node_pool_name(name) if first else "",
                    instance_type_name(name, pool.gpus_per_node) if first else "",
                    CAPACITY_TYPES[key],
                    f"{price:,.2f}",
                    f"{low:,.2f}..{high:,.2f}",
                )
            )
    table = Table(title="autoscale (Karpenter)", title_justify="left")
    name_column(table, "pool", [r[0] for r in rows])
    number_column(table, "nodes", [r[1] for r in rows])
    number_column(table, "GPUs", [r[2] for r in rows])
    name_column(table, "NodePool", [r[3] for r in rows])
    name_column(table, "instance type", [r[4] for r in rows])
    name_column(table, "capacity type", [r[5] for r in rows])
    number_column(table, "$/node-hour", [r[6] for r in rows])
    number_column(table, "$/hour (min..max)", [r[7] for r in rows])
    for row in rows:
        table.add_row(*row)
    return table


def heartbeat_table(spec: FleetSpec) -> Table:
    """The fleet's heartbeat settings, whether each is derived or the stack's, and where it goes."""
    heartbeat = spec.heartbeats
    on_kind = isinstance(spec.cluster, KindClusterSpec)
    monitor = "kube-controller-manager" + ("" if on_kind else " (the cluster's own: see below)")
    settings = (
        (
            "node Lease duration",
            "lease_duration_s",
            f"{heartbeat.lease_duration_s} s, renewed every {heartbeat.renew_interval_s:g} s",
            "KWOK controllers, --node-lease-duration-seconds",
        ),
        (
            "node status period",
            "node_status_period_s",
            f"{heartbeat.node_status_period_s} s",
            "KWOK Stage node-heartbeat-with-lease",
        ),
        (
            "node monitor grace period",
            "node_monitor_grace_period_s",
            f"{heartbeat.node_monitor_grace_period_s} s",
            f"{monitor}, --node-monitor-grace-period",
        ),
        (
            "node monitor period",
            "node_monitor_period_s",
            f"{heartbeat.node_monitor_period_s} s",
            f"{monitor}, --node-monitor-period",
        ),
    )
    rows = [
        (name, value, "stack" if field in heartbeat.overridden else "derived", where)
        for name, field, value, where in settings
    ]
    title = (
        f"heartbeat: {heartbeat.nodes:,} nodes, budget {heartbeat.budget:,} writes/s, "
        f"factor {heartbeat.factor}, {heartbeat.writes_per_second:,.1f} writes/s"
    )
    return _table(title, ("setting", "value", "from", "where it goes"), rows, None, set())


def print_heartbeat(spec: FleetSpec) -> None:
    """The heartbeat table, then what it asks of the control plane."""
    out = console()
    print_table(out, heartbeat_table(spec))
    on_kind = isinstance(spec.cluster, KindClusterSpec)
    out.print(control_plane_note(spec.heartbeats, on_kind))


def sharing_table(spec: FleetSpec) -> Table:
    """The pools with sharing: how each GPU is shared, and per node and in the pool the
    slices each resource offers."""
    rows: list[tuple[str, ...]] = []
    for name, pool in spec.pools.items():
        offer = pool.offer
        for index, (resource, count) in enumerate(offer.slices.items()):
            first = index == 0
            rows.append(
                (
                    name if first else "",
                    offer.kind if first else "",
                    per_gpu(pool) if first else "",
                    resource,
                    str(count),
                    str(count * pool.nodes),
                )
            )
    table = Table(title="sharing (device plugin)", title_justify="left")
    name_column(table, "pool", [r[0] for r in rows])
    name_column(table, "sharing", [r[1] for r in rows])
    text_column(table, "each GPU")
    name_column(table, "resource", [r[3] for r in rows])
    for column, header in enumerate(("per node", "in pool"), start=4):
        number_column(table, header, [r[column] for r in rows])
    for row in rows:
        table.add_row(*row)
    return table


def teams_table(spec: FleetSpec) -> Table:
    """The teams of a scheduler stack: quota per pool (resolved), borrowing limit, priority."""
    rows = []
    for team, settings in spec.teams.items():
        quota = spec.team_quota(team)
        borrowing = settings.borrowing_limit
        rows.append(
            (
                team,
                *(str(quota.get(pool, 0)) for pool in spec.pools),
                "any idle" if borrowing is None else str(borrowing),
                str(settings.priority),
            )
        )
    headers = ("team", *(f"{pool} quota" for pool in spec.pools), "may borrow", "priority")
    title = f"teams ({spec.scheduler})"
    return _table(title, headers, rows, None, numeric=set(range(1, len(headers))))


def print_summary(spec: FleetSpec, title: str) -> None:
    """Print the fleet summary of `spec` on standard output, and its teams if it has any."""
    out = console()
    print_table(out, summary_table(spec, title))
    if spec.topology_pools:
        print_table(out, topology_table(spec))
    if spec.autoscaled_pools:
        print_table(out, autoscale_table(spec))
    if spec.shared_pools:
        print_table(out, sharing_table(spec))
    if spec.teams:
        print_table(out, teams_table(spec))


def forecast_table(forecast: Forecast, capacity: dict[str, int]) -> Table:
    """Per pool: GPUs, predicted GPU-hours with their bounds, stranded GPU-hours."""
    central = forecast.timeline
    bounds = forecast.bounds_table()
    rows = []
    for pool, hours in central.gpu_hours.items():
        low, high = bounds[f"gpu_hours:{pool}"]
        stranded = central.stranded_gpu_hours.get(pool, 0.0)
        rows.append(
            (
                pool,
                str(capacity.get(pool, 0)),
                f"{hours:,.1f}",
                f"{low:,.1f} - {high:,.1f}",
                f"{stranded:,.1f}",
            )
        )
    low, high = bounds["stranded_gpu_hours"]
    total = (
        "total",
        str(sum(capacity.values())),
        f"{sum(central.gpu_hours.values()):,.1f}",
        "",
        f"{sum(central.stranded_gpu_hours.values()):,.1f} ({low:,.1f} - {high:,.1f})",
    )
    headers = ("pool", "GPUs", "GPU-hours", "bounds", "stranded GPU-hours")
    return _table(None, headers, rows, total, numeric={1, 2, 4})


def comparison_table(rows: list[Figure], title: str) -> Table:
    """Predicted beside observed, with the prediction's bounds and the relative gap."""
    cells = []
    for row in rows:
        name = f"{row.metric} ({row.pool})" if row.pool else row.metric
        verdict = {True: " ok", False: " OUT", None: ""}[row.within]
        cells.append(
            (
                name,
                f"{row.predicted:,.1f}",
                f"{row.low:,.1f} - {row.high:,.1f}",
                f"{row.observed:,.1f}",
                f"{row.gap:+.1%}{verdict}",
            )
        )
    headers = ("figure", "predicted", "bounds", "observed", "gap")
    return _table(title, headers, cells, None, numeric={1, 3, 4})


def _table(
    title: str | None,
    headers: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    total: tuple[str, ...] | None,
    numeric: set[int],
    wrapped: Collection[int] = (),
) -> Table:
    """Names and numbers kept whole (bounds too), the `wrapped` columns folded; a bold
    total row after a rule."""
    table = Table(title=title, title_justify="left")
    every = [*rows, *([total] if total else [])]
    for index, header in enumerate(headers):
        if index in wrapped:
            text_column(table, header)
            continue
        column = [row[index] for row in every]
        add = number_column if index in numeric else name_column
        add(table, header, column)
    for row in rows:
        table.add_row(*row)
    if total:
        table.add_section()
        table.add_row(*total, style="bold")
    return table
