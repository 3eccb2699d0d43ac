"""The rich tables the commands print: the fleet summary, the expected demo outcome, a
trace's forecast and the expected steps of the scheduler demo.

A table is printed (`output.print_table`) without ever cutting a number (or any cell) to
fit a narrow terminal, nor breaking a name across lines; only the reasons wrap, at spaces
where they can, and only on a terminal.
"""

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.table import Table

from fleet.commands.output import console, print_table
from fleet.demo.outcome import FleetOutcome
from fleet.replay.compare import Figure
from fleet.replay.forecast import Forecast
from fleet.schedulers.scenarios import Scenario
from fleet.schedulers.topology_scenarios import TopologyScenario
from fleet.stack.figures import per_gpu
from fleet.stack.spec import FleetSpec


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
    table = Table(title=title, title_justify="left")
    pools = spec.pools.values()
    name_column(table, "pool", [*spec.pools, "total"])
    number_column(table, "nodes", [spec.total_nodes])
    number_column(table, "GPUs/node", [pool.gpus_per_node for pool in pools])
    name_column(table, "product", [pool.product for pool in pools])
    number_column(table, "GPU memory (MiB)", [pool.memory_mib for pool in pools])
    number_column(table, "GPUs", [spec.total_gpus])
    for name, pool in spec.pools.items():
        table.add_row(
            name,
            str(pool.nodes),
            str(pool.gpus_per_node),
            pool.product,
            str(pool.memory_mib),
            str(pool.gpus),
        )
    table.add_section()
    table.add_row("total", str(spec.total_nodes), "", "", "", str(spec.total_gpus), style="bold")
    return table


def outcome_table(outcome: FleetOutcome, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    name_column(table, "workload", [workload.name for workload in outcome.workloads])
    name_column(table, "kind", [workload.kind for workload in outcome.workloads])
    number_column(table, "running", [outcome.running])
    number_column(table, "pending", [outcome.pending])
    text_column(table, "reason(s)")
    for workload in outcome.workloads:
        table.add_row(
            workload.name,
            workload.kind,
            str(workload.running),
            str(workload.pending),
            "; ".join(workload.reasons),
        )
    table.add_section()
    table.add_row("total", "", str(outcome.running), str(outcome.pending), "", style="bold")
    return table


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
    table = Table(title=title, title_justify="left")
    number_column(table, "step", [r[0] for r in rows])
    text_column(table, "what happens (job pods x GPUs)")
    name_column(table, "team", [r[2] for r in rows])
    number_column(table, "GPUs running", [r[3] for r in rows])
    number_column(table, "GPUs waiting", [r[4] for r in rows])
    for row in rows:
        table.add_row(*row)
    return table


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
    table = Table(title=title, title_justify="left")
    number_column(table, "step", [r[0] for r in rows])
    text_column(table, "what happens (job pods x GPUs)")
    name_column(table, "gang", [r[2] for r in rows])
    name_column(table, "state", [r[3] for r in rows])
    headers = ("racks", "blocks", "free GPUs", "stranded GPUs")
    for column, header in enumerate(headers, start=4):
        number_column(table, header, [r[column] for r in rows])
    for row in rows:
        table.add_row(*row)
    return table


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
    table = Table(title="topology", title_justify="left")
    name_column(table, "pool", [r[0] for r in rows])
    headers = ("racks", "nodes/rack", "GPUs/rack", "blocks", "racks/block", "NVLink domains")
    for column, header in enumerate(headers, start=1):
        number_column(table, header, [r[column] for r in rows])
    text_column(table, "levels (widest first)")
    for row in rows:
        table.add_row(*row)
    return table


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
    table = Table(title=f"teams ({spec.scheduler})", title_justify="left")
    name_column(table, "team", [r[0] for r in rows])
    headers = [f"{pool} quota" for pool in spec.pools] + ["may borrow", "priority"]
    for column, header in enumerate(headers, start=1):
        number_column(table, header, [r[column] for r in rows])
    for row in rows:
        table.add_row(*row)
    return table


def print_summary(spec: FleetSpec, title: str) -> None:
    """Print the fleet summary of `spec` on standard output, and its teams if it has any."""
    out = console()
    print_table(out, summary_table(spec, title))
    if spec.topology_pools:
        print_table(out, topology_table(spec))
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
) -> Table:
    """Names and numbers kept whole (bounds too); a bold total row after a rule."""
    table = Table(title=title, title_justify="left")
    every = [*rows, *([total] if total else [])]
    for index, header in enumerate(headers):
        column = [row[index] for row in every]
        add = number_column if index in numeric else name_column
        add(table, header, column)
    for row in rows:
        table.add_row(*row)
    if total:
        table.add_section()
        table.add_row(*total, style="bold")
    return table
