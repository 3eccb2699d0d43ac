"""The fleet spec: what one Pulumi stack file declares, validated.

A stack file (`stacks/Pulumi.<stack>.yaml`) holds the fleet under the
project's config namespace:

    config:
      gpu-fleet:cluster: {mode: kind, name: ai-factory-lab}
      gpu-fleet:pools:
        a100: {nodes: 2, gpusPerNode: 8, product: NVIDIA-A100-SXM4-80GB}

Pools are declared once; nodes, operator topology, capacity figures and
expected outcomes are all derived from `FleetSpec`.
"""

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from fleet.heartbeat import sizing
from fleet.sharing import layout as mig_layout
from fleet.sharing import offer as node_offer
from fleet.sharing.profiles import MIG_PROFILES, MigProfile, mig_products, profiles_of
from fleet.stack import catalog, versions
from fleet.stack.autoscale import PoolAutoscaleSpec, check_autoscale, longest_pool_name
from fleet.stack.demo_names import DEVICE_PLUGIN_WORKLOADS, DRA_WORKLOADS
from fleet.stack.model import FieldProblem as FieldProblem
from fleet.stack.model import SpecModel as SpecModel
from fleet.stack.utilization import Utilization

PROJECT = "gpu-fleet"
NODE_NAME_PREFIX = "kwok-gpu-"
# `nodeResources: perPool` (one Pulumi resource per pool, nodes sent in bulk) was
# measured up to 10,002 nodes (docs/scale.md), its costs
# growing linearly; the limit leaves a fifth of headroom above the measured size.
# With one resource per node, the engine's per-resource bookkeeping dominates long
# before that, so `perNode` stops at MAX_PER_NODE_RESOURCES.
MAX_FAKE_NODES = 12_000
MAX_PER_NODE_RESOURCES = 2000
MAX_GPUS_PER_NODE = 16
MAX_QUEUE_REPLICAS = 100_000
# Pods that the real kind worker runs besides the operator's exporters
# (KWOK, operator components, CoreDNS, kindnet, kube-proxy, storage).
SYSTEM_WORKER_MAX_PODS = 110
SYSTEM_WORKER_RESERVED_PODS = 12
WORKER_POD_BUDGET = SYSTEM_WORKER_MAX_PODS - SYSTEM_WORKER_RESERVED_PODS
# Why an operator with an exporter per fake node limits a kind fleet, said once.
EXPORTER_PER_NODE = (
    f"runs one exporter pod per fake node on the single kind worker ({SYSTEM_WORKER_MAX_PODS} "
    f"pods at most, about {WORKER_POD_BUDGET} free)"
)

# A DNS-1123 label: pool names become part of node names and label values.
PoolName = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)
]
# A Kubernetes label value (the GFD product label is one).
LabelValue = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", max_length=63),
]
MAX_QUANTITY_CHARS = 20
MAX_REFERENCE_CHARS = 4096
Quantity = Annotated[
    str,
    StringConstraints(
        pattern=r"^[1-9][0-9]*(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$", max_length=MAX_QUANTITY_CHARS
    ),
]
ReleaseTag = Annotated[str, StringConstraints(pattern=r"^v[0-9]+\.[0-9]+\.[0-9]+$")]
ChartVersion = Annotated[str, StringConstraints(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")]
DnsLabel = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)
]
# A Kubernetes label key: an optional DNS-subdomain prefix and '/', then a name.
LabelKey = Annotated[
    str,
    StringConstraints(
        pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
        r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$",
        max_length=316,
    ),
]
# A file path, URL, image or chart reference, or kubeconfig context.
Reference = Annotated[str, StringConstraints(min_length=1, max_length=MAX_REFERENCE_CHARS)]


# The node labels of a pool's topology levels unless it names its own: those Kueue's and
# KAI-Scheduler's documentation use in their examples (GKE's nodes carry
# cloud.google.com/gce-topology-block, -subblock and -host instead; docs/fleet.md).
DEFAULT_BLOCK_LABEL = "cloud.provider.com/topology-block"
DEFAULT_RACK_LABEL = "cloud.provider.com/topology-rack"
# Labels a level may not take: the lowest level of every topology is the node itself,
# and the NVLink domain has GPU Feature Discovery's label.
HOSTNAME_LEVEL = "kubernetes.io/hostname"
CLIQUE_LABEL = "nvidia.com/gpu.clique"


class TopologyLevelsSpec(SpecModel):
    """The node labels that name a node's block and rack (docs/fleet.md, "Topology")."""

    block: LabelKey = DEFAULT_BLOCK_LABEL
    rack: LabelKey = DEFAULT_RACK_LABEL


class PoolTopologySpec(SpecModel):
    """How a pool's nodes are grouped: racks of `nodesPerRack` nodes (node i in rack
    i // nodesPerRack), blocks of `racksPerBlock` racks (none: no block level), and an
    NVLink domain per rack (`nvidia.com/gpu.clique`)."""

    nodes_per_rack: int = Field(alias="nodesPerRack", ge=1, le=MAX_FAKE_NODES)
    racks_per_block: int | None = Field(
        default=None, alias="racksPerBlock", ge=1, le=MAX_FAKE_NODES
    )
    # None: an NVLink domain per rack when the product is a rack-scale NVLink system.
    nvlink: bool | None = None
    levels: TopologyLevelsSpec = Field(default_factory=TopologyLevelsSpec)

    def rack_of(self, index: int) -> int:
        return index // self.nodes_per_rack

    def block_of(self, index: int) -> int | None:
        if self.racks_per_block is None:
            return None
        return self.rack_of(index) // self.racks_per_block

    @property
    def level_labels(self) -> tuple[str, ...]:
        """The levels' node labels, widest first, the node itself last."""
        rack = (self.levels.rack, HOSTNAME_LEVEL)
        return rack if self.racks_per_block is None else (self.levels.block, *rack)

    @property
    def has_nvlink_domains(self) -> bool:
        return bool(self.nvlink)


# Time-slicing replicas per GPU: 2 is the least that shares; the operator keeps one fake
# GPU per replica, so the ceiling bounds what it holds per node (16 GPUs x 64).
MAX_TIME_SLICING_REPLICAS = 64
MigProfileName = Annotated[
    str, StringConstraints(pattern=r"^[1-7]g\.[0-9]+gb$", max_length=MAX_QUANTITY_CHARS)
]


class MigSharingSpec(SpecModel):
    """Every GPU of the pool cut into the same MIG instances (`profiles`: profile ->
    instances per GPU), offered under the device plugin's `strategy`."""

    strategy: node_offer.MigStrategy
    profiles: dict[MigProfileName, Annotated[int, Field(ge=1, le=7)]] = Field(
        min_length=1, max_length=7
    )


class TimeSlicingSpec(SpecModel):
    """Every GPU of the pool offered `replicas` times (the device plugin's time-slicing)."""

    replicas: int = Field(ge=2, le=MAX_TIME_SLICING_REPLICAS)


class PoolSharingSpec(SpecModel):
    """How each GPU of a pool is shared: MIG partitions or time-slicing, one of the two
    (docs/fleet.md, "GPU sharing")."""

    mig: MigSharingSpec | None = None
    time_slicing: TimeSlicingSpec | None = Field(default=None, alias="timeSlicing")

    @model_validator(mode="after")
    def _one_way(self) -> "PoolSharingSpec":
        if (self.mig is None) == (self.time_slicing is None):
            raise ValueError(
                "give exactly one way of sharing: mig (MIG partitions) or timeSlicing "
                "(replicas); a GPU is either partitioned or time-sliced, not both"
            )
        return self


class PoolSpec(SpecModel):
    # With `autoscale`: the nodes the program keeps, its min (the default).
    nodes: int = Field(ge=1, le=MAX_FAKE_NODES)
    gpus_per_node: int = Field(alias="gpusPerNode", ge=1, le=MAX_GPUS_PER_NODE)
    product: LabelValue
    gpu_memory_mib: int | None = Field(default=None, alias="gpuMemoryMiB", ge=1024, le=1_048_576)
    cpu: int = Field(default=96, ge=1, le=4096)
    memory: Quantity = "1024Gi"
    pods: int = Field(default=110, ge=1, le=10_000)
    # Racks, blocks and NVLink domains (docs/fleet.md, "Topology"); a rack-scale NVLink
    # product without one gets racks of its NVLink domain (fleet/stack/catalog.py).
    topology: PoolTopologySpec | None = None
    # Nodes Karpenter adds for waiting pods, between min and max (docs/fleet.md, "Autoscaling").
    autoscale: PoolAutoscaleSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _nodes_from_autoscale(cls, data: Any) -> Any:
        """An autoscaled pool's `nodes` is its min unless given (a min that is no number
        leaves 1 there: the error is then min's alone)."""
        if isinstance(data, dict) and "nodes" not in data and "autoscale" in data:
            autoscale = data["autoscale"]
            least = autoscale.get("min") if isinstance(autoscale, dict) else None
            valid = isinstance(least, int) and not isinstance(least, bool)
            return {**data, "nodes": least if valid else 1}
        return data

    # MIG partitions or time-slicing of every GPU (docs/fleet.md, "GPU sharing").
    sharing: PoolSharingSpec | None = None

    @model_validator(mode="after")
    def _memory_from_catalog(self) -> "PoolSpec":
        if self.gpu_memory_mib is None:
            known = catalog.known_memory_mib(self.product)
            if known is None:
                raise FieldProblem(
                    ("gpuMemoryMiB",),
                    f"product {self.product!r} is not in the catalog, so gpuMemoryMiB is required "
                    f"(known products: {', '.join(sorted(catalog.CATALOG))})",
                )
            self.gpu_memory_mib = known
        return self

    @model_validator(mode="after")
    def _topology_divides(self) -> "PoolSpec":
        domain = catalog.nvlink_domain_gpus(self.product)
        preset = ""
        if self.topology is None and domain is not None:
            per_rack = max(1, domain // self.gpus_per_node)
            self.topology = PoolTopologySpec.model_validate({"nodesPerRack": per_rack})
            preset = (
                f" (no topology given: a rack of {self.product} is its NVLink domain, {domain} "
                f"GPUs, here {per_rack} nodes; or give topology.nodesPerRack)"
            )
        if self.autoscale is not None:  # first: its min and max name the bound at fault
            self._check_autoscale(self.autoscale)
        if self.topology is not None:
            check_pool_topology(self, self.topology, domain, preset)
        return self

    def _check_autoscale(self, autoscale: PoolAutoscaleSpec) -> None:
        if self.topology is None:
            check_autoscale(autoscale, self.nodes, None, "")
        elif self.topology.racks_per_block is None:
            check_autoscale(autoscale, self.nodes, self.topology.nodes_per_rack, "racks")
        else:
            block = self.topology.nodes_per_rack * self.topology.racks_per_block
            check_autoscale(autoscale, self.nodes, block, "blocks")

    @property
    def ceiling(self) -> int:
        """The most nodes the pool can have: its max when it autoscales."""
        return self.nodes if self.autoscale is None else self.autoscale.max

    @model_validator(mode="after")
    def _sharing_fits(self) -> "PoolSpec":
        if self.sharing is not None:
            check_pool_sharing(self, self.sharing)
        return self

    @property
    def mig_layout(self) -> dict[MigProfile, int]:
        """The MIG instances of each GPU by profile (empty without MIG)."""
        if self.sharing is None or self.sharing.mig is None:
            return {}
        profiles = MIG_PROFILES[self.product]
        return {profiles[name]: count for name, count in self.sharing.mig.profiles.items()}

    @property
    def offer(self) -> node_offer.NodeOffer:
        """What each node advertises: whole GPUs, MIG slices or time-sliced replicas."""
        sharing = self.sharing
        if sharing is None:
            return node_offer.whole(self.product, self.gpus_per_node, self.memory_mib)
        if sharing.time_slicing is not None:
            replicas = sharing.time_slicing.replicas
            return node_offer.time_sliced(
                self.product, self.gpus_per_node, self.memory_mib, replicas
            )
        assert sharing.mig is not None  # one of the two, by PoolSharingSpec
        return node_offer.partitioned(
            self.product, self.gpus_per_node, self.memory_mib, sharing.mig.strategy, self.mig_layout
        )

    @property
    def racks(self) -> int:
        return 0 if self.topology is None else self.nodes // self.topology.nodes_per_rack

    @property
    def blocks(self) -> int:
        if self.topology is None or self.topology.racks_per_block is None:
            return 0
        return self.racks // self.topology.racks_per_block

    @property
    def nvlink_domains(self) -> int:
        return self.racks if self.topology and self.topology.has_nvlink_domains else 0

    @property
    def rack_gpus(self) -> int:
        """GPUs in one rack (the whole pool when it has no topology)."""
        if self.topology is None:
            return self.gpus
        return self.topology.nodes_per_rack * self.gpus_per_node

    @property
    def memory_mib(self) -> int:
        assert self.gpu_memory_mib is not None  # filled by the validator
        return self.gpu_memory_mib

    @property
    def gpus(self) -> int:
        return self.nodes * self.gpus_per_node


def _divisors(number: int) -> str:
    found = [d for d in range(1, number + 1) if number % d == 0]
    return ", ".join(str(d) for d in found[:12]) + (", ..." if len(found) > 12 else "")


def check_pool_topology(
    pool: PoolSpec, topology: PoolTopologySpec, domain: int | None, preset: str = ""
) -> None:
    """A topology must cut the pool into whole racks and blocks, name each level once, and
    give NVLink domains only to a product that has them, no larger than the product's
    (`preset` says where a topology the pool did not give came from)."""
    per_rack = topology.nodes_per_rack
    if pool.nodes % per_rack:
        raise FieldProblem(
            ("topology", "nodesPerRack"),
            f"{pool.nodes} nodes do not divide into racks of {per_rack}: every rack is whole; "
            f"use a nodesPerRack that divides {pool.nodes} ({_divisors(pool.nodes)}), or "
            f"nodes that are a multiple of {per_rack}{preset}",
        )
    racks = pool.nodes // per_rack
    per_block = topology.racks_per_block
    if per_block is not None and racks % per_block:
        raise FieldProblem(
            ("topology", "racksPerBlock"),
            f"the pool's {racks} racks do not divide into blocks of {per_block}: every block "
            f"is whole; use a racksPerBlock that divides {racks} ({_divisors(racks)}), or "
            "drop the key (no block level)",
        )
    levels = topology.levels
    for key, label in (("block", levels.block), ("rack", levels.rack)):
        if label in (HOSTNAME_LEVEL, CLIQUE_LABEL):
            raise FieldProblem(
                ("topology", "levels", key),
                f"{label!r} is not free for a level: {HOSTNAME_LEVEL} is every topology's "
                f"lowest level (the node) and {CLIQUE_LABEL} the NVLink domain's label; "
                f"name the {key} level otherwise (default: "
                f"{DEFAULT_BLOCK_LABEL if key == 'block' else DEFAULT_RACK_LABEL})",
            )
    if per_block is not None and levels.block == levels.rack:
        raise FieldProblem(
            ("topology", "levels", "rack"),
            f"{levels.rack!r} names both the block and the rack level: a level is named "
            "once; give the two levels different labels",
        )
    if topology.nvlink is None:
        topology.nvlink = domain is not None
    if not topology.nvlink:
        return
    rack_gpus = per_rack * pool.gpus_per_node
    if domain is None:
        raise FieldProblem(
            ("topology", "nvlink"),
            f"product {pool.product!r} has no rack-scale NVLink domain, so its racks get no "
            f"{CLIQUE_LABEL}: drop nvlink, or use a product that has one "
            f"({', '.join(catalog.nvlink_products())})",
        )
    if rack_gpus > domain:
        raise FieldProblem(
            ("topology", "nodesPerRack"),
            f"a rack of {per_rack} nodes of {pool.gpus_per_node} GPUs holds {rack_gpus} GPUs, "
            f"but one NVLink domain of {pool.product} joins at most {domain}: use at most "
            f"{domain // pool.gpus_per_node} nodes per rack, or nvlink: false",
        )


def check_pool_sharing(pool: PoolSpec, sharing: PoolSharingSpec) -> None:
    """MIG needs a product with MIG, profiles that product has, a layout that fits one
    GPU and, under `single`, one profile; every product label stays a label value."""
    if sharing.time_slicing is not None:
        shared = f"{pool.product}{node_offer.SHARED_SUFFIX}"
        if len(shared) > 63:
            raise FieldProblem(
                ("sharing", "timeSlicing"),
                f"a time-sliced GPU's product label is {shared!r}, {len(shared)} characters; "
                "a label value has at most 63: shorten product",
            )
        return
    mig = sharing.mig
    assert mig is not None  # one of the two, by PoolSharingSpec
    profiles = profiles_of(pool.product)
    if profiles is None:
        raise FieldProblem(
            ("sharing", "mig"),
            f"product {pool.product!r} has no MIG profiles in the catalog: use timeSlicing, "
            f"or a product with MIG ({', '.join(mig_products())})",
        )
    offered = ", ".join(f"{p.name} x{p.max_per_gpu}" for p in profiles.values())
    for name in mig.profiles:
        if name not in profiles:
            raise FieldProblem(
                ("sharing", "mig", "profiles", name),
                f"{pool.product} has no MIG profile {name!r}; its profiles, each with the "
                f"most instances one GPU holds of it alone: {offered}",
            )
    if mig.strategy == "single" and len(mig.profiles) > 1:
        raise FieldProblem(
            ("sharing", "mig", "strategy"),
            f"strategy single offers every slice as nvidia.com/gpu, so all slices must be "
            f"one profile, and the layout names {len(mig.profiles)} "
            f"({', '.join(mig.profiles)}): keep one profile, or use strategy mixed",
        )
    why = mig_layout.misfit(pool.mig_layout, pool.product)
    if why is not None:
        raise FieldProblem(
            ("sharing", "mig", "profiles"),
            f"{why}; one GPU holds of each profile alone at most {offered}, and "
            "7 compute and 8 memory slices in all",
        )


class SchedulerClientSpec(SpecModel):
    """kube-scheduler's client rate limits toward the API server (its flags
    `--kube-api-qps`, `--kube-api-burst`): at its defaults the binding rate of a big
    queue sits near the QPS (docs/scale.md, "KWOK and the operator at scale")."""

    kube_api_qps: int = Field(
        default=versions.SCHEDULER_KUBE_API_QPS, alias="kubeApiQps", ge=1, le=100_000
    )
    kube_api_burst: int = Field(
        default=versions.SCHEDULER_KUBE_API_BURST, alias="kubeApiBurst", ge=1, le=100_000
    )

    def describe(self) -> str:
        return f"kube-api-qps {self.kube_api_qps}, kube-api-burst {self.kube_api_burst}"


class KindClusterSpec(SpecModel):
    """A kind cluster the program creates and deletes."""

    mode: Literal["kind"]
    name: DnsLabel = "ai-factory-lab"
    node_image: Reference = Field(default=versions.KIND_NODE_IMAGE, alias="nodeImage")
    # None: kind's kube-scheduler keeps its defaults and kind's config stays as it was
    # (a changed config replaces the cluster).
    scheduler: SchedulerClientSpec | None = None

    @property
    def scheduler_client(self) -> str:
        """The scheduler's client settings, as reported beside scheduling figures."""
        if self.scheduler is None:
            return f"{SchedulerClientSpec().describe()} (kube-scheduler's defaults)"
        return self.scheduler.describe()


class ExistingClusterSpec(SpecModel):
    """A cluster the program did not create, reached through a kubeconfig context."""

    mode: Literal["existing"]
    context: Reference | None = None
    kubeconfig: Reference | None = None
    allow_fake_nodes: bool = Field(default=False, alias="allowFakeNodes")

    @property
    def scheduler_client(self) -> str:
        return "the cluster's own (not set by this program)"

    @property
    def inline_kubeconfig(self) -> bool:
        """Whether `kubeconfig` is a kubeconfig's text (credentials) rather than its path."""
        return is_inline_kubeconfig(self.kubeconfig or "")

    @model_validator(mode="after")
    def _opted_in(self) -> "ExistingClusterSpec":
        if not self.allow_fake_nodes:
            raise FieldProblem(
                ("allowFakeNodes",),
                "this stack targets a cluster the program did not create; creating fake GPU "
                "nodes there is an explicit opt-in: set allowFakeNodes: true",
            )
        return self


KwokLogLevel = Literal["DEBUG", "INFO", "WARN", "ERROR"]


class KwokSpec(SpecModel):
    install: bool = True
    version: ReleaseTag = versions.KWOK_VERSION
    # How many fake nodes one KWOK controller looks after; the fleet gets as many
    # controllers as it needs (docs/scale.md, "KWOK and the operator at scale").
    nodes_per_controller: int = Field(
        default=versions.KWOK_NODES_PER_CONTROLLER,
        alias="nodesPerController",
        ge=1,
        le=MAX_FAKE_NODES,
    )
    # Lease renewals each controller has in flight: at 4 (the release's) and a renewal
    # taking 0.1 s, a controller renews 40 Leases a second (docs/fleet.md, "KWOK").
    node_lease_parallelism: int = Field(
        default=versions.KWOK_NODE_LEASE_PARALLELISM, alias="nodeLeaseParallelism", ge=1, le=256
    )
    # What each controller logs: at INFO (the release's) a line per Lease renewal, a
    # hundred a second per 1,000 nodes (docs/fleet.md, "KWOK").
    log_level: KwokLogLevel = Field(default="INFO", alias="logLevel")
    # False where KWOK's controller pod cannot become ready (a control plane with no
    # container runtime runs the controller elsewhere): its Deployment is not awaited.
    wait: bool = True
    # Local files or URLs used instead of the release assets, controller first.
    manifests: list[Reference] | None = Field(default=None, min_length=1, max_length=100)

    @property
    def manifest_sources(self) -> list[str]:
        return self.manifests or versions.kwok_release_manifests(self.version)

    @model_validator(mode="before")
    @classmethod
    def _lease_moved(cls, data: Any) -> Any:
        if isinstance(data, dict) and "nodeLeaseDurationSeconds" in data:
            raise FieldProblem(
                ("nodeLeaseDurationSeconds",),
                "moved: the Lease is sized to the fleet with the other heartbeat settings; "
                "set gpu-fleet:heartbeat.nodeLeaseDurationSeconds instead (or leave it out "
                "to have it derived, docs/scale.md)",
            )
        return data


class HeartbeatSpec(SpecModel):
    """The budget of heartbeat writes a second the fleet's heartbeats are sized to, and
    any of the derived values set by hand (`fleet.heartbeat.sizing`, docs/scale.md)."""

    writes_per_second: int = Field(
        default=sizing.DEFAULT_WRITES_PER_SECOND,
        alias="writesPerSecond",
        ge=sizing.MIN_WRITES_PER_SECOND,
        le=100_000,
    )
    node_lease_duration_seconds: int | None = Field(
        default=None, alias="nodeLeaseDurationSeconds", ge=10, le=sizing.MAX_SECONDS
    )
    node_status_period_seconds: int | None = Field(
        default=None, alias="nodeStatusPeriodSeconds", ge=10, le=sizing.MAX_SECONDS
    )
    node_monitor_grace_period_seconds: int | None = Field(
        default=None, alias="nodeMonitorGracePeriodSeconds", ge=2, le=sizing.MAX_SECONDS
    )
    node_monitor_period_seconds: int | None = Field(
        default=None, alias="nodeMonitorPeriodSeconds", ge=1, le=sizing.MAX_SECONDS
    )

    def for_nodes(self, nodes: int) -> sizing.Heartbeat:
        """The settings of a fleet of `nodes`; raises `sizing.HeartbeatProblem`."""
        overrides = sizing.Overrides(
            lease_duration_s=self.node_lease_duration_seconds,
            node_status_period_s=self.node_status_period_seconds,
            node_monitor_grace_period_s=self.node_monitor_grace_period_seconds,
            node_monitor_period_s=self.node_monitor_period_seconds,
        )
        return sizing.derive(nodes, self.writes_per_second, overrides)


class OperatorSpec(SpecModel):
    install: bool = True
    version: ChartVersion = versions.OPERATOR_VERSION
    # A chart name (with `repository`), an oci:// reference, or a local chart directory.
    chart: Reference | None = None
    repository: Reference | None = None
    namespace: DnsLabel = "gpu-operator"
    release_name: DnsLabel = Field(default="gpu-operator", alias="releaseName")
    # False where the operator's own pods cannot become ready (no images).
    wait: bool = True
    # False skips the chart's hooks (its pre-upgrade Job needs a runnable pod).
    hooks: bool = True
    values: dict[str, Any] = Field(default_factory=dict)

    @property
    def chart_source(self) -> tuple[str, str | None]:
        """(chart, repository) for Helm; repository is None for OCI and local charts."""
        if self.chart is None:
            return versions.default_operator_chart(self.version)
        return self.chart, self.repository

    @property
    def has_shared_exporter(self) -> bool:
        return self._at_least(versions.OPERATOR_SHARED_EXPORTER_VERSION)

    def exporters_fit(self, fake_nodes: int) -> bool:
        """Whether this operator's exporters fit on the kind worker beside `fake_nodes` nodes."""
        return self.has_shared_exporter or fake_nodes <= WORKER_POD_BUDGET

    @property
    def has_kwok_exporter(self) -> bool:
        """One exporter (`status-exporter-kwok`) for every KWOK node's GPUs."""
        return self._at_least(versions.OPERATOR_KWOK_EXPORTER_VERSION)

    @property
    def has_kwok_dra_plugin(self) -> bool:
        return self._at_least(versions.OPERATOR_DRA_VERSION)

    def _at_least(self, version: str) -> bool:
        return versions.parse_chart_version(self.version) >= versions.parse_chart_version(version)


class DemoSpec(SpecModel):
    """The scheduling demo (docs/demo.md); sizes default to values derived from the pools."""

    enabled: bool = False
    namespace: DnsLabel = "gpu-demo"
    image: Reference = "nvidia/cuda:12.4.1-base-ubuntu22.04"
    small_pool: PoolName | None = Field(default=None, alias="smallPool")
    # More than any node has is the point; more than the largest fleet has says nothing more.
    oversized_gpus: int | None = Field(
        default=None, alias="oversizedGpus", ge=1, le=MAX_FAKE_NODES * MAX_GPUS_PER_NODE
    )
    missing_pool: PoolName | None = Field(default=None, alias="missingPool")
    queue_replicas: int | None = Field(
        default=None, alias="queueReplicas", ge=0, le=MAX_QUEUE_REPLICAS
    )
    # The queue sized from the fleet instead: this percentage of its GPUs, rounded up.
    queue_percent_of_gpus: int | None = Field(
        default=None, alias="queuePercentOfGpus", ge=1, le=1000
    )
    # DRA variant only: the queue's claims select GPUs with at least this much memory.
    queue_min_gpu_memory_mib: int | None = Field(
        default=None, alias="queueMinGpuMemoryMiB", ge=1024, le=1_048_576
    )
    # Simulated GPU utilization of a workload's pods, by workload name ("20-40").
    utilization: dict[str, Utilization] | None = Field(default=None, max_length=8)


MonitoringMode = Literal["chart", "serviceMonitor"]


class MonitoringSpec(SpecModel):
    """GPU telemetry (docs/telemetry.md): a Prometheus scraping the operator's KWOK exporter,
    with the fleet's recording and alerting rules.

    `mode: chart` installs the community `prometheus` chart as a Helm release;
    `mode: serviceMonitor` leaves Prometheus to a Prometheus Operator the cluster
    already runs and creates a ServiceMonitor and a PrometheusRule for it.
    """

    enabled: bool = False
    mode: MonitoringMode = "chart"
    # A chart name (with `repository`), an oci:// reference, or a local chart directory;
    # default: the community chart from its repository.
    chart: Reference | None = None
    repository: Reference | None = None
    version: ChartVersion = versions.PROMETHEUS_CHART_VERSION
    namespace: DnsLabel = "monitoring"
    release_name: DnsLabel = Field(default="prometheus", alias="releaseName")
    wait: bool = True
    values: dict[str, Any] = Field(default_factory=dict)
    scrape_interval_seconds: int = Field(default=10, alias="scrapeIntervalSeconds", ge=1, le=300)
    # The alerts' thresholds: a GPU allocated and below `idleBelowPercent` utilization for
    # `idleMinutes`, a pool over `poolFullPercent` allocated, GPU pods Pending on capacity
    # for `pendingMinutes`.
    idle_minutes: int = Field(default=15, alias="idleMinutes", ge=0, le=1440)
    idle_below_percent: int = Field(default=10, alias="idleBelowPercent", ge=1, le=100)
    pool_full_percent: int = Field(default=90, alias="poolFullPercent", ge=1, le=100)
    pool_full_minutes: int = Field(default=5, alias="poolFullMinutes", ge=0, le=1440)
    pending_minutes: int = Field(default=5, alias="pendingMinutes", ge=0, le=1440)

    @property
    def chart_source(self) -> tuple[str, str | None]:
        """(chart, repository) for Helm; repository is None for OCI and local charts."""
        if self.chart is None:
            return versions.PROMETHEUS_CHART, versions.PROMETHEUS_HELM_REPOSITORY
        return self.chart, self.repository


SchedulerName = Literal["default", "kueue", "kai"]
# The namespace each scheduler's release goes to unless `schedulerRelease.namespace` says.
SCHEDULER_NAMESPACES = {"kueue": "kueue-system", "kai": "kai-scheduler"}
# Namespaces a team may not take: the cluster's own, and the demo's.
RESERVED_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
MAX_TEAMS = 100
# A PriorityClass value above this is reserved for the system (Kubernetes' own limit).
MAX_PRIORITY = 1_000_000_000
MAX_FLEET_GPUS = MAX_FAKE_NODES * MAX_GPUS_PER_NODE


class SchedulerReleaseSpec(SpecModel):
    """The Helm release of the stack's scheduler; every key defaults per scheduler
    (`fleet.stack.versions` for the chart and version, SCHEDULER_NAMESPACES)."""

    version: ReleaseTag | None = None
    # An oci:// reference or a local chart directory.
    chart: Reference | None = None
    namespace: DnsLabel | None = None
    release_name: DnsLabel | None = Field(default=None, alias="releaseName")
    # False where the scheduler's own pods cannot become ready (no images).
    wait: bool = True
    # False skips the chart's hooks (Jobs that need a runnable pod).
    hooks: bool = True
    values: dict[str, Any] = Field(default_factory=dict)


class TeamSpec(SpecModel):
    """One team of a scheduler stack: GPUs it is guaranteed, how many more it may borrow
    from idle quota of other teams, and how its jobs rank against theirs."""

    # GPUs per pool, keyed by pool name or by a product that exactly one pool has.
    quota: dict[LabelValue, Annotated[int, Field(ge=0, le=MAX_FLEET_GPUS)]] = Field(
        min_length=1, max_length=MAX_FAKE_NODES
    )
    # GPUs beyond its quota; None: as many as the other teams leave idle.
    borrowing_limit: int | None = Field(
        default=None, alias="borrowingLimit", ge=0, le=MAX_FLEET_GPUS
    )
    priority: int = Field(default=0, ge=0, le=MAX_PRIORITY)

    @property
    def total_quota(self) -> int:
        return sum(self.quota.values())


# How the fleet's GPUs are offered to the scheduler: `nvidia.com/gpu` counts
# from the device plugin, ResourceSlices for Dynamic Resource Allocation, or both
# (then every fake GPU is offered twice, once per mechanism).
GpuOffer = Literal["devicePlugin", "dra", "both"]

# How many Pulumi resources hold the fake nodes: one per node (a preview lists each
# node as its own step), or one per pool (a bulk server-side apply; the preview
# names the nodes added or removed in the pool resource's `nodeNames`).
NodeResources = Literal["perNode", "perPool"]


class FleetSpec(SpecModel):
    cluster: Annotated[KindClusterSpec | ExistingClusterSpec, Field(discriminator="mode")]
    pools: dict[PoolName, PoolSpec] = Field(min_length=1)
    gpu_offer: GpuOffer = Field(default="devicePlugin", alias="gpuOffer")
    node_resources: NodeResources = Field(default="perNode", alias="nodeResources")
    kwok: KwokSpec = Field(default_factory=KwokSpec)
    operator: OperatorSpec = Field(default_factory=OperatorSpec)
    demo: DemoSpec = Field(default_factory=DemoSpec)
    monitoring: MonitoringSpec = Field(default_factory=MonitoringSpec)
    scheduler: SchedulerName = "default"
    scheduler_release: SchedulerReleaseSpec = Field(
        default_factory=SchedulerReleaseSpec, alias="schedulerRelease"
    )
    teams: dict[DnsLabel, TeamSpec] = Field(default_factory=dict, max_length=MAX_TEAMS)
    heartbeat: HeartbeatSpec = Field(default_factory=HeartbeatSpec)

    @field_validator("pools", mode="before")
    @classmethod
    def _few_enough_pools(cls, pools: Any) -> Any:
        """Refuse a huge mapping before validating each pool (and making an error per pool)."""
        if isinstance(pools, dict) and len(pools) > MAX_FAKE_NODES:
            raise ValueError(
                f"{len(pools)} pools; at most {MAX_FAKE_NODES} (each pool has at least one node)"
            )
        return pools

    @model_validator(mode="after")
    def _fleet_limits(self) -> "FleetSpec":
        if self.total_nodes > MAX_FAKE_NODES:
            raise FieldProblem(
                ("pools",),
                f"the pools add up to {self.total_nodes} fake nodes; at most {MAX_FAKE_NODES:,} "
                "are supported (this program was measured up to 10,002)",
            )
        if self.node_resources == "perNode" and self.total_nodes > MAX_PER_NODE_RESOURCES:
            raise FieldProblem(
                ("nodeResources",),
                f"the pools add up to {self.total_nodes} fake nodes, one Pulumi resource each "
                f"(nodeResources: perNode, the default) allows at most {MAX_PER_NODE_RESOURCES:,}: "
                "set nodeResources: perPool (one resource per pool, nodes applied in bulk)",
            )
        for name, pool in self.pools.items():
            longest = node_name(name, pool.nodes - 1)
            if len(longest) > 63:
                raise FieldProblem(
                    ("pools", name),
                    f"node name {longest!r} is {len(longest)} characters; "
                    "node names are also hostname label values, at most 63 characters",
                )
        if (
            isinstance(self.cluster, KindClusterSpec)
            and self.operator.install
            and not self.operator.exporters_fit(self.total_nodes)
        ):
            raise FieldProblem(
                ("operator", "version"),
                f"fake-gpu-operator {self.operator.version} {EXPORTER_PER_NODE}; "
                f"{self.total_nodes} fake nodes will not fit: set operator.version to "
                f"{versions.OPERATOR_SHARED_EXPORTER_VERSION} or later (one exporter for all "
                "fake nodes)",
            )
        return self

    @model_validator(mode="after")
    def _heartbeat_sized(self) -> "FleetSpec":
        try:
            self.heartbeat.for_nodes(self.total_nodes)
        except sizing.HeartbeatProblem as problem:
            raise FieldProblem(("heartbeat", problem.key), str(problem)) from None
        return self

    @property
    def heartbeats(self) -> sizing.Heartbeat:
        """The fleet's heartbeat settings (`heartbeat`, sized to all pools' nodes)."""
        return self.heartbeat.for_nodes(self.total_nodes)

    @model_validator(mode="after")
    def _levels_named_once(self) -> "FleetSpec":
        """A label names one level across the fleet: the schedulers see all pools' nodes."""
        seen: dict[str, tuple[str, str]] = {}
        for name, pool in self.pools.items():
            if pool.topology is None:
                continue
            levels = pool.topology.levels
            used = [("rack", levels.rack)]
            if pool.topology.racks_per_block is not None:
                used.insert(0, ("block", levels.block))
            for level, label in used:
                other = seen.setdefault(label, (name, level))
                if other[1] != level:
                    raise FieldProblem(
                        ("pools", name, "topology", "levels", level),
                        f"{label!r} is the {other[1]} level of pool {other[0]!r} and the "
                        f"{level} level here: a label names one level in the whole fleet",
                    )
        return self

    @model_validator(mode="after")
    def _autoscale_settings(self) -> "FleetSpec":
        """Karpenter's KWOK provider runs in the cluster, sizes nodes by `nvidia.com/gpu`,
        and its nodes count toward the fleet's limit."""
        if not self.autoscaled_pools:
            return self
        name = next(iter(self.autoscaled_pools))
        if isinstance(self.cluster, KindClusterSpec):
            raise FieldProblem(
                ("pools", name, "autoscale"),
                "an autoscaled pool needs Karpenter's KWOK provider running in the cluster, and "
                "the program does not install it yet: use a cluster that runs it "
                "(cluster.mode: existing), or drop autoscale",
            )
        if self.gpu_offer == "dra":
            raise FieldProblem(
                ("pools", name, "autoscale"),
                "Karpenter sizes a new node by the pods' nvidia.com/gpu requests (it leaves DRA "
                "claims out of its simulation by default), and gpuOffer dra offers GPUs by "
                "claims alone: set gpuOffer to devicePlugin or both, or drop autoscale",
            )
        for name in self.autoscaled_pools:
            if len(name) > longest_pool_name():
                raise FieldProblem(
                    ("pools", name),
                    f"the name is {len(name)} characters; an autoscaled pool's name is at most "
                    f"{longest_pool_name()}: the hostname label of each node Karpenter adds is "
                    "its NodeClaim's name, gpu-fleet-<pool>-<5 characters>, and a label value "
                    "has at most 63 characters; shorten the pool's name",
                )
        ceiling = sum(pool.ceiling for pool in self.pools.values())
        if ceiling > MAX_FAKE_NODES:
            raise FieldProblem(
                ("pools",),
                f"the pools could grow to {ceiling:,} fake nodes (autoscale max counted); at "
                f"most {MAX_FAKE_NODES:,} are supported: lower a max",
            )
        return self

    @property
    def autoscaled_pools(self) -> dict[str, PoolSpec]:
        return {name: pool for name, pool in self.pools.items() if pool.autoscale is not None}

    @model_validator(mode="after")
    def _sharing_in_fleet(self) -> "FleetSpec":
        """One MIG strategy for the fleet (the operator labels every fake node with one),
        and sharing only where the rest of the program models it yet."""
        if not self.shared_pools:
            return self
        first = next(iter(self.shared_pools))
        migs = {
            name: pool.sharing.mig
            for name, pool in self.pools.items()
            if pool.sharing is not None and pool.sharing.mig is not None
        }
        for name, mig in migs.items():
            one, theirs = next(iter(migs.items()))
            if mig.strategy != theirs.strategy:
                raise FieldProblem(
                    ("pools", name, "sharing", "mig", "strategy"),
                    f"{mig.strategy!r} here and {theirs.strategy!r} in pool {one!r}: the "
                    "fleet has one MIG strategy, as a cluster's device plugin and GPU Feature "
                    "Discovery have one (fake-gpu-operator writes nvidia.com/mig.strategy "
                    f"from one setting); give every MIG pool strategy {theirs.strategy}",
                )
        if self.offers_dra:
            raise FieldProblem(
                ("pools", first, "sharing"),
                f"shared GPUs are offered through the device plugin only for now; DRA "
                f"partitions are not implemented (gpuOffer is {self.gpu_offer!r}): set "
                "gpuOffer: devicePlugin, or drop sharing",
            )
        unmodelled = (
            (self.demo.enabled, ("demo", "enabled"), "the demo predicts whole-GPU pods"),
            (
                self.scheduler != "default",
                ("scheduler",),
                f"the {self.scheduler} queues and quotas count whole GPUs",
            ),
            (
                self.monitoring.enabled,
                ("monitoring", "enabled"),
                "the telemetry checks count whole GPUs",
            ),
        )
        for refused, loc, why in unmodelled:
            if refused:
                raise FieldProblem(
                    loc,
                    f"{why}, and pool {first!r} shares its GPUs (sharing), which that part "
                    "does not model yet: drop sharing, or turn this off",
                )
        return self

    @property
    def mig_strategy(self) -> str:
        """The fleet's MIG strategy (`none` without MIG pools), as the operator is told."""
        for pool in self.pools.values():
            if pool.sharing is not None and pool.sharing.mig is not None:
                return pool.sharing.mig.strategy
        return "none"

    @property
    def shared_pools(self) -> dict[str, PoolSpec]:
        return {name: pool for name, pool in self.pools.items() if pool.sharing is not None}

    @property
    def topology_pools(self) -> dict[str, PoolSpec]:
        return {name: pool for name, pool in self.pools.items() if pool.topology is not None}

    @model_validator(mode="after")
    def _monitoring_settings(self) -> "FleetSpec":
        if not self.monitoring.enabled:
            return self
        if not self.operator.install:
            raise FieldProblem(
                ("monitoring", "enabled"),
                "monitoring scrapes fake-gpu-operator's KWOK exporter, and this stack does not "
                "install the operator (operator.install: false): install the operator, or "
                "drop the monitoring section",
            )
        if not self.operator.has_kwok_exporter:
            raise FieldProblem(
                ("operator", "version"),
                f"monitoring scrapes the operator's KWOK exporter, which fake-gpu-operator "
                f"{self.operator.version} does not have: set operator.version to "
                f"{versions.OPERATOR_KWOK_EXPORTER_VERSION} or later",
            )
        return self

    @model_validator(mode="after")
    def _demo_settings(self) -> "FleetSpec":
        small, missing = self.demo.small_pool, self.demo.missing_pool
        if small is not None and small not in self.pools:
            raise FieldProblem(
                ("demo", "smallPool"),
                f"{small!r} is not a pool of this stack (pools: {', '.join(self.pools)}); "
                "the small pod must be able to run",
            )
        percent = self.demo.queue_percent_of_gpus
        if percent is not None and self.demo.queue_replicas is not None:
            raise FieldProblem(
                ("demo", "queuePercentOfGpus"),
                "give the queue's size once: queueReplicas (pods) or queuePercentOfGpus "
                "(a percentage of the fleet's GPUs), not both",
            )
        if percent is not None and self.queue_from_percent > MAX_QUEUE_REPLICAS:
            raise FieldProblem(
                ("demo", "queuePercentOfGpus"),
                f"{percent}% of the fleet's {self.total_gpus:,} GPUs is "
                f"{self.queue_from_percent:,} pods; the queue has at most "
                f"{MAX_QUEUE_REPLICAS:,}: lower the percentage",
            )
        if missing is not None and missing in self.pools:
            raise FieldProblem(
                ("demo", "missingPool"),
                f"{missing!r} is a pool of this stack; missingPool must name a pool that "
                "does not exist, so that its pod stays Pending",
            )
        oversized, largest = self.demo.oversized_gpus, self.largest_pod_gpus
        if oversized is not None and oversized <= largest:
            raise FieldProblem(
                ("demo", "oversizedGpus"),
                f"{oversized} GPUs fit on one node of this fleet (the largest has {largest}), so "
                "the pod would run and show nothing: the oversized pod is there to stay Pending; "
                f"set more than {largest}, or drop the key (default: {2 * largest})",
            )
        workloads = (DEVICE_PLUGIN_WORKLOADS if self.offers_device_plugin else ()) + (
            DRA_WORKLOADS if self.offers_dra else ()
        )
        for name in self.demo.utilization or {}:
            if name not in workloads:
                raise FieldProblem(
                    ("demo", "utilization", name),
                    f"not a demo workload of this stack (gpuOffer {self.gpu_offer}); "
                    f"the workloads are: {', '.join(workloads)}",
                )
        if self.demo.queue_replicas == 0:
            raise FieldProblem(
                ("demo", "queueReplicas"),
                "0 replicas queue nothing, so the demo would show no queue: set at least 1, or "
                f"drop the key (default: the fleet's GPUs + 8, here {self.total_gpus + 8})",
            )
        return self

    @model_validator(mode="after")
    def _dra_offer(self) -> "FleetSpec":
        if self.offers_dra and self.operator.install and not self.operator.has_kwok_dra_plugin:
            raise FieldProblem(
                ("gpuOffer",),
                f"{self.gpu_offer!r} needs the operator's KWOK DRA plugin, which fake-gpu-operator "
                f"{self.operator.version} (operator.version) does not have: set operator.version "
                f"to {versions.OPERATOR_DRA_VERSION} or later, or gpuOffer: devicePlugin",
            )
        if self.demo.queue_min_gpu_memory_mib is not None and not self.offers_dra:
            raise FieldProblem(
                ("demo", "queueMinGpuMemoryMiB"),
                "selecting GPUs by memory is a DRA claim; the device plugin offers only "
                "nvidia.com/gpu counts: set gpuOffer: dra (or both), or drop this key",
            )
        return self

    @model_validator(mode="after")
    def _teams_and_scheduler(self) -> "FleetSpec":
        if self.scheduler == "default":
            if self.teams:
                raise FieldProblem(
                    ("teams",),
                    "the default scheduler knows no team quotas: set gpu-fleet:scheduler to "
                    "kueue or kai, or drop teams",
                )
            if self.scheduler_release != SchedulerReleaseSpec():
                raise FieldProblem(
                    ("schedulerRelease",),
                    "the default scheduler has no release to install: set gpu-fleet:scheduler "
                    "to kueue or kai, or drop schedulerRelease",
                )
            return self
        taken = RESERVED_NAMESPACES | {
            self.demo.namespace,
            self.operator.namespace,
            self.scheduler_namespace,
        }
        for name, team in self.teams.items():
            if name in taken:
                raise FieldProblem(
                    ("teams", name),
                    f"a team's jobs run in a namespace of the team's name, and {name!r} is "
                    f"taken (by the cluster, the operator, the scheduler or the demo: "
                    f"{', '.join(sorted(taken))}): rename the team",
                )
            for key in team.quota:
                quota_pool(self.pools, key, ("teams", name, "quota", key))
        for pool_name, pool in self.pools.items():
            promised = sum(self.team_quota(name).get(pool_name, 0) for name in self.teams)
            if promised > pool.gpus:
                raise FieldProblem(
                    ("teams",),
                    f"the teams' quotas add up to {promised} GPUs of pool {pool_name!r}, which "
                    f"has {pool.gpus}: a quota is a guarantee, lower them to {pool.gpus} in all",
                )
        return self

    @property
    def scheduler_namespace(self) -> str:
        """Where the scheduler's release goes ("" for the default scheduler)."""
        default = SCHEDULER_NAMESPACES.get(self.scheduler, "")
        return self.scheduler_release.namespace or default

    def team_quota(self, team: str) -> dict[str, int]:
        """A team's quota by pool name (a product key resolved to its one pool)."""
        return {
            quota_pool(self.pools, key, ("teams", team, "quota", key)): gpus
            for key, gpus in self.teams[team].quota.items()
        }

    @property
    def offers_device_plugin(self) -> bool:
        return self.gpu_offer in ("devicePlugin", "both")

    @property
    def offers_dra(self) -> bool:
        return self.gpu_offer in ("dra", "both")

    @property
    def total_nodes(self) -> int:
        return sum(pool.nodes for pool in self.pools.values())

    @property
    def total_gpus(self) -> int:
        return sum(pool.gpus for pool in self.pools.values())

    @property
    def queue_from_percent(self) -> int:
        """The queue `demo.queuePercentOfGpus` asks for: that share of the GPUs, rounded up."""
        return -(-self.total_gpus * (self.demo.queue_percent_of_gpus or 0) // 100)

    @property
    def kwok_controllers(self) -> int:
        """How many KWOK controllers the fleet needs, each for a disjoint shard of its nodes."""
        return -(-self.total_nodes // self.kwok.nodes_per_controller)

    @property
    def largest_pod_gpus(self) -> int:
        """The most GPUs a single pod can be given: one whole node of the biggest pool."""
        return max(pool.gpus_per_node for pool in self.pools.values())


def quota_pool(pools: dict[str, PoolSpec], key: str, loc: tuple[str, ...]) -> str:
    """The pool a quota key names: a pool name, or a product exactly one pool has."""
    if key in pools:
        return key
    holders = [name for name, pool in pools.items() if pool.product == key]
    if len(holders) == 1:
        return holders[0]
    if holders:
        raise FieldProblem(
            loc,
            f"product {key!r} is in pools {', '.join(holders)}: give the quota per pool",
        )
    products = sorted({pool.product for pool in pools.values()})
    raise FieldProblem(
        loc,
        f"{key!r} is neither a pool nor a product of this stack (pools: {', '.join(pools)}; "
        f"products: {', '.join(products)})",
    )


# `cluster.kubeconfig` as a stack file's reader sees a Pulumi secret (`{secure: ...}`):
# only the engine decrypts it.
ENCRYPTED_KUBECONFIG = "(a Pulumi secret in the stack file)"


def is_inline_kubeconfig(kubeconfig: str) -> bool:
    """Whether a kubeconfig setting is the file's text (YAML or JSON) rather than a path."""
    return "\n" in kubeconfig or kubeconfig.lstrip().startswith(("{", "apiVersion"))


def node_name(pool: str, index: int) -> str:
    return f"{NODE_NAME_PREFIX}{pool}-{index}"
