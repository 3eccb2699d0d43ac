"""The scheduler demo: jobs sized from the fleet and teams, in steps, and what should happen.

Two teams of a kueue or kai stack hold quota on one pool with at least two nodes
(the first declared): the *borrower* is the team of lowest priority, the *owner*
the one of highest priority. On lesson 1's `lesson1-kueue` stack that is
research (8 a100 GPUs, may borrow 8) and prod (8 a100 GPUs, priority 1000):

- `within-quota`: the borrower asks for its quota; it runs.
- `borrow-then-reclaim`: the owner fills its quota; the borrower asks for its
  quota plus what it may borrow, as two jobs: the first runs, the second waits
  (nothing is idle); the owner's job ends, the second job borrows the idle GPUs
  and runs; the owner asks for its quota again: the borrowed GPUs are reclaimed
  (one of the borrower's jobs is evicted) and the owner's job runs.
- `gang`: a job of two pods of a whole node each (16 GPUs on lesson 1) while one
  node is busy: neither pod starts (all-or-nothing, where the default scheduler
  would start one); the busy node frees: both start.

Every job is a gang: its pods start together or not at all (a Kueue pod group,
a KAI PodGroup with `minMember` = its pods). Expectations are per team (GPUs
running, GPUs waiting) after each step: which of the borrower's two equal jobs
is reclaimed is the scheduler's choice, the GPUs it leaves are not.
"""

from dataclasses import dataclass
from typing import Literal

from fleet.stack.spec import FleetSpec

UNLIMITED = 10**9


class ScenarioProblem(ValueError):
    """The stack's teams cannot stage the scheduler demo; says what it needs."""


@dataclass(frozen=True)
class TopologyAsk:
    """A gang's topology constraint: all its pods in one domain of `level` (`required`),
    or as few domains as the scheduler finds (`preferred`)."""

    level: Literal["rack", "block"]
    mode: Literal["required", "preferred"]


@dataclass(frozen=True)
class ScenarioJob:
    """`pods` pods of `gpus_per_pod` GPUs each on `pool`, submitted by `team`; a gang,
    within one rack or block when it has a `topology`."""

    name: str
    team: str
    pods: int
    gpus_per_pod: int
    pool: str
    topology: TopologyAsk | None = None

    @property
    def gpus(self) -> int:
        return self.pods * self.gpus_per_pod


@dataclass(frozen=True)
class TeamState:
    """A team's GPUs after a step: in running pods, and asked for but not running."""

    team: str
    running: int
    waiting: int


@dataclass(frozen=True)
class Step:
    """What happens (jobs submitted, jobs ended), then what the scheduler should show."""

    action: str
    submit: tuple[ScenarioJob, ...] = ()
    finish: tuple[str, ...] = ()
    expected: tuple[TeamState, ...] = ()


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    steps: tuple[Step, ...]

    @property
    def jobs(self) -> tuple[ScenarioJob, ...]:
        return tuple(job for step in self.steps for job in step.submit)


@dataclass(frozen=True)
class Cast:
    """Who plays the scenarios: the pool, its node size, and the two teams' figures there."""

    pool: str
    node_gpus: int
    nodes: int
    borrower: str
    owner: str
    borrower_quota: int
    owner_quota: int
    borrowing_limit: int
    priorities: dict[str, int]
    quotas: dict[str, int]
    limits: dict[str, int]


def cast(spec: FleetSpec) -> Cast:
    """The pool and teams of the scenarios, or a ScenarioProblem saying what is missing."""
    if spec.scheduler == "default":
        raise ScenarioProblem(
            "the scheduler demo needs gpu-fleet:scheduler kueue or kai, with teams"
        )
    for pool_name, pool in spec.pools.items():
        holders = [t for t in spec.teams if spec.team_quota(t).get(pool_name, 0) > 0]
        if pool.nodes < 2 or len(holders) < 2:
            continue
        by_priority = sorted(holders, key=lambda t: spec.teams[t].priority)
        borrower, owner = by_priority[0], by_priority[-1]
        if spec.teams[borrower].priority == spec.teams[owner].priority:
            raise ScenarioProblem(
                f"teams {', '.join(holders)} share pool {pool_name!r} at one priority: the "
                "reclaim scenario needs one team of higher priority than another"
            )
        quotas = {t: spec.team_quota(t).get(pool_name, 0) for t in spec.teams}
        limits = {}
        for team, settings in spec.teams.items():
            borrowing = settings.borrowing_limit
            limits[team] = quotas[team] + (UNLIMITED if borrowing is None else borrowing)
        lendable = min(limits[borrower] - quotas[borrower], quotas[owner])
        if lendable < 1:
            raise ScenarioProblem(
                f"team {borrower!r} may not borrow on pool {pool_name!r} (borrowingLimit 0): "
                "the borrowing scenario needs a borrowingLimit of at least 1"
            )
        return Cast(
            pool=pool_name,
            node_gpus=pool.gpus_per_node,
            nodes=pool.nodes,
            borrower=borrower,
            owner=owner,
            borrower_quota=quotas[borrower],
            owner_quota=quotas[owner],
            borrowing_limit=lendable,
            priorities={t: s.priority for t, s in spec.teams.items()},
            quotas=quotas,
            limits=limits,
        )
    raise ScenarioProblem(
        "the scheduler demo needs a pool of at least two nodes on which two teams hold "
        "quota (teams.<team>.quota.<pool>)"
    )


def _job(name: str, team: str, pods: int, gpus_per_pod: int, pool: str) -> ScenarioJob:
    return ScenarioJob(f"{team}-{name}", team, pods, gpus_per_pod, pool)


def _scenarios(c: Cast) -> tuple[Scenario, ...]:
    """The steps, without expectations (`plan_scenarios` adds them)."""
    fits = _job("fits", c.borrower, c.borrower_quota, 1, c.pool)
    hold = _job("hold", c.owner, c.owner_quota, 1, c.pool)
    base = _job("base", c.borrower, c.borrower_quota, 1, c.pool)
    extra = _job("extra", c.borrower, c.borrowing_limit, 1, c.pool)
    urgent = _job("urgent", c.owner, c.owner_quota, 1, c.pool)
    busy = _job("node", c.owner, 1, c.node_gpus, c.pool)
    gang = _job("gang", c.borrower, 2, c.node_gpus, c.pool)
    return (
        Scenario(
            "within-quota",
            f"{c.borrower} runs within its quota on {c.pool}",
            (Step(f"{c.borrower} submits {_shape(fits)}", submit=(fits,)),),
        ),
        Scenario(
            "borrow-then-reclaim",
            f"{c.borrower} waits, borrows {c.owner}'s idle GPUs, gives them back",
            (
                Step(f"{c.owner} submits {_shape(hold)}", submit=(hold,)),
                Step(f"{c.borrower} submits {_shape(base)}, {_shape(extra)}", submit=(base, extra)),
                Step(f"{hold.name} ends", finish=(hold.name,)),
                Step(f"{c.owner} submits {_shape(urgent)}", submit=(urgent,)),
            ),
        ),
        Scenario(
            "gang",
            f"{gang.gpus} GPUs over two {c.node_gpus}-GPU nodes, all-or-nothing",
            (
                Step(f"{c.owner} submits {_shape(busy)}", submit=(busy,)),
                Step(f"{c.borrower} submits {_shape(gang)}", submit=(gang,)),
                Step(f"{busy.name} ends", finish=(busy.name,)),
            ),
        ),
    )


def _shape(job: ScenarioJob) -> str:
    return f"{job.name} {job.pods}x{job.gpus_per_pod}"


@dataclass
class _Live:
    job: ScenarioJob
    admitted_at: int | None = None


class _Cohort:
    """Quota admission as Kueue's cohort and KAI's queues do it on one pool.

    A gang is admitted whole when its team stays within quota plus borrowing
    limit and the pool's quota holds it, and its pods fit on the pool's nodes;
    jobs are taken by team priority, then in submission order. A team asking
    within its quota reclaims from teams over theirs, the most recently admitted
    job first.
    """

    def __init__(self, c: Cast) -> None:
        self.cast = c
        self.live: list[_Live] = []
        self.clock = 0

    def used(self, team: str) -> int:
        return sum(
            e.job.gpus for e in self.live if e.admitted_at is not None and e.job.team == team
        )

    def _fits(self, job: ScenarioJob) -> bool:
        c = self.cast
        total = sum(self.used(t) for t in c.quotas)
        if self.used(job.team) + job.gpus > c.limits[job.team]:
            return False
        if total + job.gpus > sum(c.quotas.values()):
            return False
        return self._fits_nodes(job)

    def _fits_nodes(self, job: ScenarioJob) -> bool:
        free = [self.cast.node_gpus] * self.cast.nodes
        placed = sorted(
            (e.job for e in self.live if e.admitted_at is not None),
            key=lambda j: -j.gpus_per_pod,
        )
        for pods in [*placed, job]:
            for _ in range(pods.pods):
                node = next((i for i, f in enumerate(free) if f >= pods.gpus_per_pod), None)
                if node is None:
                    return False
                free[node] -= pods.gpus_per_pod
        return True

    def _reclaim_for(self, job: ScenarioJob) -> bool:
        c = self.cast
        if self.used(job.team) + job.gpus > c.quotas[job.team]:
            return False
        victims = sorted(
            (e for e in self.live if e.admitted_at is not None and e.job.team != job.team),
            key=lambda e: (c.priorities[e.job.team], -(e.admitted_at or 0)),
        )
        evicted = []
        for victim in victims:
            if self.used(victim.job.team) <= c.quotas[victim.job.team]:
                continue
            victim.admitted_at = None
            evicted.append(victim)
            if self._fits(job):
                return True
        for victim in evicted:  # not enough to reclaim: nothing is evicted
            self.clock += 1
            victim.admitted_at = self.clock
        return False

    def step(self, step: Step) -> tuple[TeamState, ...]:
        self.live = [e for e in self.live if e.job.name not in step.finish]
        self.live += [_Live(job) for job in step.submit]
        order = {e.job.name: i for i, e in enumerate(self.live)}
        progress = True
        while progress:
            progress = False
            waiting = sorted(
                (e for e in self.live if e.admitted_at is None),
                key=lambda e: (-self.cast.priorities[e.job.team], order[e.job.name]),
            )
            for entry in waiting:
                if self._fits(entry.job) or self._reclaim_for(entry.job):
                    self.clock += 1
                    entry.admitted_at = self.clock
                    progress = True
                    break
        teams = sorted({e.job.team for e in self.live}, key=list(self.cast.quotas).index)
        return tuple(
            TeamState(
                team,
                running=self.used(team),
                waiting=sum(e.job.gpus for e in self.live if e.job.team == team) - self.used(team),
            )
            for team in teams
        )


def plan_scenarios(spec: FleetSpec) -> tuple[Scenario, ...]:
    """The scenarios of the stack, each step with what its scheduler should show."""
    c = cast(spec)
    planned = []
    for scenario in _scenarios(c):
        cohort = _Cohort(c)
        steps = tuple(Step(s.action, s.submit, s.finish, cohort.step(s)) for s in scenario.steps)
        planned.append(Scenario(scenario.name, scenario.title, steps))
    return tuple(planned)
