"""A pool that autoscales: its bounds and its prices per node-hour, validated
(docs/fleet.md, "Autoscaling").

The program creates the pool's `min` nodes itself, as for any pool; Karpenter's KWOK
provider adds nodes up to `max` for pods that wait for capacity. The names Karpenter is
given (its NodePool, the instance type) are derived here, from the pool's name.
"""

from pydantic import Field, model_validator

from fleet.stack.model import FieldProblem, SpecModel

# A price per node-hour above this is a typo (a GB200 NVL72 tray lists below 100).
MAX_PRICE_PER_HOUR = 10_000.0
# The stack file's key of each capacity type and Karpenter's value of it
# (`karpenter.sh/capacity-type`).
CAPACITY_TYPES = {"onDemand": "on-demand", "spot": "spot"}
# Names Karpenter is given, derived from the pool's name. Karpenter names each NodeClaim
# `<NodePool>-` and 5 characters, and its KWOK provider makes that the node's hostname
# label, a label value (at most 63 characters).
NODE_POOL_PREFIX = "gpu-fleet-"
NODE_CLAIM_SUFFIX_CHARS = 6
MAX_LABEL_VALUE_CHARS = 63


def node_pool_name(pool: str) -> str:
    """The pool's Karpenter NodePool (cluster-wide, so prefixed)."""
    return f"{NODE_POOL_PREFIX}{pool}"


def longest_pool_name() -> int:
    """The longest name an autoscaled pool may have: its NodeClaims' names stay label values."""
    return MAX_LABEL_VALUE_CHARS - NODE_CLAIM_SUFFIX_CHARS - len(NODE_POOL_PREFIX)


def instance_type_name(pool: str, gpus_per_node: int) -> str:
    """The pool's KWOK instance type (`node.kubernetes.io/instance-type` on its nodes)."""
    return f"{pool}.{gpus_per_node}gpu"


class PricesSpec(SpecModel):
    """What one node of the pool costs per hour, per capacity type it is offered as."""

    on_demand: float | None = Field(default=None, alias="onDemand", gt=0, le=MAX_PRICE_PER_HOUR)
    spot: float | None = Field(default=None, gt=0, le=MAX_PRICE_PER_HOUR)

    @model_validator(mode="after")
    def _one_offered(self) -> "PricesSpec":
        if self.on_demand is None and self.spot is None:
            raise ValueError(
                "no price given: give the price per node-hour of at least one capacity type "
                "(onDemand, spot), e.g. {onDemand: 42.0}"
            )
        return self

    @property
    def offered(self) -> dict[str, float]:
        """Price per node-hour by stack file key, the capacity types offered only."""
        prices = {"onDemand": self.on_demand, "spot": self.spot}
        return {key: price for key, price in prices.items() if price is not None}


class PoolAutoscaleSpec(SpecModel):
    """`min` nodes the program keeps, at most `max` in all once Karpenter adds its own."""

    # At least one node the program keeps: every part of the program (the demo, the
    # expectations, the quotas) still assumes a pool has a node.
    min: int = Field(ge=1)
    # The fleet's limit on nodes applies to the sum of the pools' max (FleetSpec).
    max: int = Field(ge=1)
    prices: PricesSpec

    @model_validator(mode="after")
    def _ordered(self) -> "PoolAutoscaleSpec":
        if self.min > self.max:
            raise FieldProblem(
                ("max",),
                f"max {self.max} is below min {self.min}: the pool grows from min up to max; "
                f"use a max of at least {self.min}",
            )
        return self

    @property
    def added_at_most(self) -> int:
        """The nodes Karpenter may add beside the program's `min`."""
        return self.max - self.min

    def cost_per_hour(self) -> dict[str, tuple[float, float]]:
        """Per capacity type offered: the pool's cost per hour at min and at max nodes."""
        return {
            key: (self.min * price, self.max * price) for key, price in self.prices.offered.items()
        }


def check_autoscale(
    autoscale: PoolAutoscaleSpec, nodes: int, whole: int | None, whole_name: str
) -> None:
    """The program keeps `min` nodes, so a pool's `nodes` is its `min`; with a topology
    the pool grows and shrinks by whole racks (blocks), `whole` nodes each."""
    low, high = autoscale.min, autoscale.max
    if not low <= nodes <= high:
        raise FieldProblem(
            ("nodes",),
            f"{nodes} is outside the pool's autoscale range {low}..{high}: an autoscaled pool "
            f"starts at its min; drop nodes (it is then {low}) or set it to {low}",
        )
    if nodes != low:
        raise FieldProblem(
            ("nodes",),
            f"{nodes} would start the pool above its autoscale min {low}: the program keeps "
            "the min nodes and Karpenter adds the rest only for pods that wait, so a starting "
            f"size above min is not supported yet; drop nodes (it is then {low}) or set it to "
            f"{low}",
        )
    if whole is None:
        return
    for key, bound in (("min", low), ("max", high)):
        if bound % whole:
            raise FieldProblem(
                ("autoscale", key),
                f"{bound} is not a whole number of {whole_name} ({whole} nodes each): the "
                f"pool grows and shrinks by whole {whole_name}; use a multiple of {whole}",
            )
