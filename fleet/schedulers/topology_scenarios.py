"""The topology demo: gangs that must (or would rather) share a rack or a block, in steps,
and where the scheduler should put them (docs/schedulers.md, "The topology demo").

A kueue or kai stack with a pool of at least two racks of at least three nodes, and a
team whose quota holds that whole pool (so that only the topology decides), gets these
scenarios; every pod takes a whole node, so that a placement is a set of nodes. With
`n` nodes per rack (the lesson-topology stack: 4 nodes of 4 GPUs, 4 racks in 2 blocks):

- `fits-in-rack`: a gang of `n` pods, required in one rack: runs in one rack.
- `across-racks-required`: a gang of `n + 1` pods, required in one rack: no rack
  holds it, so it is refused as impossible (it waits forever).
- `across-racks-preferred`: the same gang, preferred in one rack: runs across two
  racks (of one block when the pool has blocks).
- `fits-in-block` (pools with blocks): a gang of a whole block, required in one block:
  runs in one block, over its racks.
- `waits-for-rack`: a gang of `n - 1` pods per rack, each required in one rack, fills
  every rack but one node; then a gang of two pods, required in one rack, waits
  although as many nodes are free as there are racks (they are stranded: one per
  rack); the first rack's gang ends: the waiting gang runs in that rack.

The model places a gang whole or not at all: under `required`, in the domain of that
level with the fewest free nodes that holds it (Kueue's best fit); under `preferred`,
so too if one domain holds it, else within the narrowest wider domain that does, its
racks taken fullest-free first. Waiting gangs are tried again after each step, in the
order they came. What is compared is what does not depend on a scheduler's tie-breaks:
each gang running, waiting or refused, and how many racks and blocks its pods are in.
"""

from dataclasses import dataclass, field
from typing import Literal

from fleet.schedulers.scenarios import ScenarioJob, ScenarioProblem, TopologyAsk
from fleet.stack.spec import FleetSpec, PoolSpec

State = Literal["running", "waiting", "refused"]


@dataclass(frozen=True)
class Placement:
    """A gang after a step: its state and how many racks and blocks its pods are in."""

    job: str
    state: State
    racks: int = 0
    blocks: int = 0


@dataclass(frozen=True)
class TopologyStep:
    action: str
    submit: tuple[ScenarioJob, ...] = ()
    finish: tuple[str, ...] = ()
    expected: tuple[Placement, ...] = ()
    free_gpus: int = 0
    # Free GPUs while a gang that asks for no more than them waits: free, but spread
    # over domains none of which holds the gang.
    stranded_gpus: int = 0


@dataclass(frozen=True)
class TopologyScenario:
    name: str
    title: str
    steps: tuple[TopologyStep, ...]

    @property
    def jobs(self) -> tuple[ScenarioJob, ...]:
        return tuple(job for step in self.steps for job in step.submit)


@dataclass(frozen=True)
class Rig:
    """Where the topology scenarios play: the pool, its shape, and the team."""

    pool: str
    team: str
    node_gpus: int
    nodes_per_rack: int
    racks: int
    racks_per_block: int | None


def rig(spec: FleetSpec) -> Rig:
    """The pool and team of the topology scenarios, or a ScenarioProblem saying what is
    missing."""
    if spec.scheduler == "default":
        raise ScenarioProblem(
            "the topology demo needs gpu-fleet:scheduler kueue or kai, with a team"
        )
    for name, pool in spec.topology_pools.items():
        assert pool.topology is not None
        if pool.racks < 2 or pool.topology.nodes_per_rack < 3:
            continue
        holders = [t for t in spec.teams if spec.team_quota(t).get(name, 0) >= pool.gpus]
        if not holders:
            raise ScenarioProblem(
                f"the topology demo needs a team whose quota holds all of pool {name!r} "
                f"({pool.gpus} GPUs), so that only the topology decides where gangs go"
            )
        return Rig(
            name,
            holders[0],
            pool.gpus_per_node,
            pool.topology.nodes_per_rack,
            pool.racks,
            pool.topology.racks_per_block,
        )
    raise ScenarioProblem(
        "the topology demo needs a pool with a topology of at least two racks of at least "
        "three nodes (pools.<pool>.topology.nodesPerRack)"
    )


def _job(r: Rig, name: str, pods: int, ask: TopologyAsk) -> ScenarioJob:
    return ScenarioJob(name, r.team, pods, r.node_gpus, r.pool, ask)


def _shape(job: ScenarioJob) -> str:
    ask = job.topology
    where = f", {ask.mode} in one {ask.level}" if ask else ""
    return f"{job.name} {job.pods}x{job.gpus_per_pod}{where}"


def _submit(*jobs: ScenarioJob) -> TopologyStep:
    if len(jobs) == 1:
        return TopologyStep(f"submit {_shape(jobs[0])}", submit=jobs)
    first, last = jobs[0], jobs[-1]
    shape = _shape(first).removeprefix(f"{first.name} ")
    return TopologyStep(f"submit {first.name} .. {last.name}, {shape} each", submit=jobs)


def _scenarios(r: Rig) -> tuple[TopologyScenario, ...]:
    """The steps, without expectations (`plan_topology` adds them)."""
    n = r.nodes_per_rack
    in_rack, near = TopologyAsk("rack", "required"), TopologyAsk("rack", "preferred")
    rack = _job(r, "rack", n, in_rack)
    wide_required = _job(r, "wide", n + 1, in_rack)
    wide_preferred = _job(r, "wide", n + 1, near)
    fillers = [_job(r, f"fill-{i}", n - 1, in_rack) for i in range(r.racks)]
    pair = _job(r, "pair", 2, in_rack)
    scenarios = [
        TopologyScenario(
            "fits-in-rack", f"{n} whole nodes, required in one rack", (_submit(rack),)
        ),
        TopologyScenario(
            "across-racks-required",
            f"{n + 1} whole nodes, required in one rack of {n}: refused",
            (_submit(wide_required),),
        ),
        TopologyScenario(
            "across-racks-preferred",
            f"{n + 1} whole nodes, preferred in one rack of {n}: placed across two",
            (_submit(wide_preferred),),
        ),
    ]
    if r.racks_per_block is not None:
        block = _job(r, "block", n * r.racks_per_block, TopologyAsk("block", "required"))
        scenarios.append(
            TopologyScenario(
                "fits-in-block",
                f"{block.pods} whole nodes, required in one block of {r.racks_per_block} racks",
                (_submit(block),),
            )
        )
    scenarios.append(
        TopologyScenario(
            "waits-for-rack",
            f"two nodes, required in one rack, wait while one node is free in each of "
            f"{r.racks} racks",
            (
                _submit(*fillers),
                _submit(pair),
                TopologyStep(f"{fillers[0].name} ends", finish=(fillers[0].name,)),
            ),
        )
    )
    return tuple(scenarios)


@dataclass
class _Racks:
    """Free nodes per rack of the pool, and where each running gang's pods are."""

    rig: Rig
    free: list[int] = field(default_factory=list)
    placed: dict[str, dict[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.free = [self.rig.nodes_per_rack] * self.rig.racks

    def block_of(self, rack: int) -> int:
        per_block = self.rig.racks_per_block
        return 0 if per_block is None else rack // per_block

    def domains(self, level: str) -> list[list[int]]:
        """The racks of each domain of `level` ("rack", "block", or "pool")."""
        racks = range(self.rig.racks)
        if level == "rack":
            return [[r] for r in racks]
        if level == "block" and self.rig.racks_per_block is not None:
            per = self.rig.racks_per_block
            return [list(range(b * per, (b + 1) * per)) for b in range(self.rig.racks // per)]
        return [list(racks)]

    def capacity(self, level: str) -> int:
        """Nodes in the largest domain of `level`."""
        return max(len(d) for d in self.domains(level)) * self.rig.nodes_per_rack

    def _wider(self, level: str) -> list[str]:
        levels = ["rack", *(["block"] if self.rig.racks_per_block else []), "pool"]
        return levels[levels.index(level) :]

    def place(self, job: ScenarioJob) -> bool:
        assert job.topology is not None
        levels = self._wider(job.topology.level)
        if job.topology.mode == "required":
            levels = levels[:1]
        for level in levels:
            fitting = [d for d in self.domains(level) if sum(self.free[r] for r in d) >= job.pods]
            if fitting:
                domain = min(fitting, key=lambda d: sum(self.free[r] for r in d))
                self._take(job, domain)
                return True
        return False

    def _take(self, job: ScenarioJob, domain: list[int]) -> None:
        left, taken = job.pods, {}
        for rack in sorted(domain, key=lambda r: -self.free[r]):
            count = min(left, self.free[rack])
            if count:
                taken[rack] = count
                self.free[rack] -= count
                left -= count
        self.placed[job.name] = taken

    def release(self, name: str) -> None:
        for rack, count in self.placed.pop(name, {}).items():
            self.free[rack] += count


def _impossible(racks: _Racks, job: ScenarioJob) -> bool:
    ask = job.topology
    return ask is not None and ask.mode == "required" and job.pods > racks.capacity(ask.level)


def _run(r: Rig, scenario: TopologyScenario) -> TopologyScenario:
    racks = _Racks(r)
    live: list[ScenarioJob] = []
    steps = []
    for step in scenario.steps:
        for name in step.finish:
            racks.release(name)
        live = [j for j in live if j.name not in step.finish] + list(step.submit)
        for job in live:
            if job.name not in racks.placed and not _impossible(racks, job):
                racks.place(job)
        expected = []
        for job in live:
            taken = racks.placed.get(job.name)
            if taken:
                blocks = {racks.block_of(rack) for rack in taken}
                expected.append(Placement(job.name, "running", len(taken), len(blocks)))
            else:
                state: State = "refused" if _impossible(racks, job) else "waiting"
                expected.append(Placement(job.name, state))
        free = sum(racks.free) * r.node_gpus
        waiting = [j for j in live if j.name not in racks.placed and not _impossible(racks, j)]
        stranded = free if any(j.gpus <= free for j in waiting) else 0
        steps.append(
            TopologyStep(step.action, step.submit, step.finish, tuple(expected), free, stranded)
        )
    return TopologyScenario(scenario.name, scenario.title, tuple(steps))


def plan_topology(spec: FleetSpec) -> tuple[TopologyScenario, ...]:
    """The topology scenarios of the stack, each step with where its gangs should be."""
    r = rig(spec)
    return tuple(_run(r, scenario) for scenario in _scenarios(r))


def refusal(pool: PoolSpec, job: ScenarioJob) -> str:
    """Why a gang required in one domain can never run: it is larger than any domain."""
    assert job.topology is not None
    assert pool.topology is not None
    per_rack = pool.topology.nodes_per_rack
    per_block = pool.topology.racks_per_block or pool.racks
    nodes = per_rack if job.topology.level == "rack" else per_rack * per_block
    return (
        f"{job.name}: {job.pods} pods of {job.gpus_per_pod} GPUs need {job.gpus} GPUs in one "
        f"{job.topology.level}, and a {job.topology.level} has {nodes * pool.gpus_per_node}: "
        "refused as impossible (it waits forever)"
    )
