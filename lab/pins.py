"""What the end-to-end tier builds, and from where. Versions come from `fleet.stack.versions`.

Three kinds of source, tried after what the user already has installed (`lab.installed`)
and, for the engine's plugins and the operator's chart, after the public channels
(`lab.public`):
- `go install pkg@version` from the Go module proxy (KWOK, Kueue, Prometheus);
- a wrapper module under `gomod/` whose go.mod requires the upstream module, for modules
  whose own go.mod has replace directives that `go install` refuses (Kubernetes, etcd,
  the Pulumi CLI);
- an upstream source tree that the registries do not serve, copied to a scratch folder
  and built there (the Python language host, the Kubernetes and Command providers,
  fake-gpu-operator, KAI-Scheduler). Those trees are looked for in `$GPU_FLEET_UPSTREAM`, else in
  `upstream/` beside this checkout.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from fleet.stack import versions

GOMOD_DIR = Path(__file__).parent / "gomod"

KUBERNETES_VERSION = versions.KUBERNETES_VERSION
KWOK_VERSION = versions.KWOK_VERSION
PULUMI_TAG = f"v{versions.PULUMI_VERSION}"
OPERATOR_VERSION = versions.OPERATOR_VERSION
OPERATOR_DRA_VERSION = "0.2.0"

# Replace directive the Pulumi modules carry in their own go.mod: a fork of
# atotto/clipboard. Every build that links pulumi/pkg repeats it.
CLIPBOARD_REPLACE = (
    "github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e"
)


@dataclass(frozen=True)
class Upstream:
    """A source tree the registries do not serve: `<upstream>/<folder>`, built in a copy.

    `module_dir` is the folder (inside the copy) holding the go.mod to build from;
    `go_mod_edits` are `go mod edit` arguments applied to the copy first;
    `origin` says where a user gets the tree when it is missing.
    """

    folder: str
    origin: str
    module_dir: str = "."
    go_mod_edits: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tool:
    """One binary: `package` built at `version`, from the module proxy, a wrapper
    module (`wrapper`, a folder of gomod/) or an upstream tree (`upstream`)."""

    name: str
    version: str
    package: str
    wrapper: str | None = None
    upstream: Upstream | None = None
    ldflags: tuple[str, ...] = ()
    # Extra preparation the build needs, by name (see tools.PREPARE_STEPS).
    prepare: str | None = None
    env: tuple[tuple[str, str], ...] = field(default=())
    # (kind, name) of a Pulumi plugin the engine itself can acquire (`pulumi plugin
    # install KIND NAME VERSION`), tried before building it from its source tree.
    plugin: tuple[str, str] | None = None
    # The package path `go install <proxy_package>@v<version>` builds the tool from where
    # the module proxy serves its module (not this machine's), tried before its tree.
    proxy_package: str | None = None

    @property
    def binary_name(self) -> str:
        return f"{self.name}-{self.version}"


_KUBE_VERSION_LDFLAGS = tuple(
    f"-X {package}.{key}={value}"
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")
    for key, value in (
        ("gitVersion", KUBERNETES_VERSION),
        ("gitMajor", "1"),
        ("gitMinor", KUBERNETES_VERSION.split(".")[1]),
        ("gitTreeState", "clean"),
    )
)


def _kube(name: str) -> Tool:
    return Tool(
        name=name,
        version=KUBERNETES_VERSION,
        package=f"k8s.io/kubernetes/cmd/{name}",
        wrapper="kubernetes",
        ldflags=_KUBE_VERSION_LDFLAGS,
    )


CONTROL_PLANE_TOOLS: tuple[Tool, ...] = (
    Tool("kwok", KWOK_VERSION, "sigs.k8s.io/kwok/cmd/kwok"),
    Tool("kwokctl", KWOK_VERSION, "sigs.k8s.io/kwok/cmd/kwokctl"),
    _kube("kube-apiserver"),
    _kube("kube-controller-manager"),
    _kube("kube-scheduler"),
    _kube("kubectl"),
    Tool("etcd", versions.ETCD_VERSION, "go.etcd.io/etcd/server/v3", wrapper="etcd"),
)

KIND_VERSION = "v0.32.0"
# The CoreDNS release kubeadm v1.36 deploys (its CoreDNSVersion constant).
COREDNS_VERSION = "v1.14.2"
# The tag kubeadm v1.36 gives etcd v3.6.8's image.
ETCD_IMAGE_TAG = f"{versions.ETCD_VERSION.removeprefix('v')}-0"
# What the kind tier builds besides the tools above: kind itself and what a node runs.
KIND_TOOLS: tuple[Tool, ...] = (
    Tool("kind", KIND_VERSION, "sigs.k8s.io/kind"),
    _kube("kubelet"),
    _kube("kubeadm"),
    _kube("kube-proxy"),
    Tool("coredns", COREDNS_VERSION, "github.com/coredns/coredns"),
)

# The checksum database does not know some of the versions these trees are resolved
# to, so they are resolved without it (the module proxy still serves every byte).
_UNCHECKED = (("GOSUMDB", "off"),)
_PULUMI_VERSION_FLAG = f"-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version={PULUMI_TAG}"

PULUMI_CLI = Tool(
    "pulumi",
    PULUMI_TAG,
    "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
    wrapper="pulumi",
    ldflags=(_PULUMI_VERSION_FLAG,),
)
PULUMI_UPSTREAM = Upstream(
    f"pulumi-{PULUMI_TAG}",
    f"github.com/pulumi/pulumi at tag {PULUMI_TAG} (sdk/python/cmd)",
)
# The language host's own go.mod points pkg/v3 and sdk/v3 at sibling folders of the
# pulumi repository; built inside the CLI's wrapper module it links the served ones.
LANGUAGE_HOST = Tool(
    "pulumi-language-python",
    PULUMI_TAG,
    "./langhost",
    upstream=PULUMI_UPSTREAM,
    ldflags=(_PULUMI_VERSION_FLAG,),
    prepare="language-host-in-wrapper",
    env=(("GOFLAGS", "-mod=mod"),),
)
# The language host's companion script, which the CLI runs the program with.
EXEC_SHIM = "pulumi-language-python-exec"

KUBERNETES_PROVIDER = Tool(
    "pulumi-resource-kubernetes",
    versions.PULUMI_KUBERNETES_VERSION,
    "./cmd/pulumi-resource-kubernetes",
    upstream=Upstream(
        f"pulumi-kubernetes-v{versions.PULUMI_KUBERNETES_VERSION}",
        f"github.com/pulumi/pulumi-kubernetes at tag v{versions.PULUMI_KUBERNETES_VERSION}",
        module_dir="provider",
        go_mod_edits=(
            # The SDK is served at the same version; its sibling folder is not in the tree.
            "-dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4",
            f"-require=github.com/pulumi/pulumi-kubernetes/sdk/v4@v{versions.PULUMI_KUBERNETES_VERSION}",
            # v3.243.0's zip is refused by the proxy; v3.248.0 and later changed
            # schema.ResourceSpec fields to pointers, which the provider's pkg/gen
            # does not compile against. v3.246.0 is served and compiles.
            "-require=github.com/pulumi/pulumi/pkg/v3@v3.246.0",
            "-require=github.com/pulumi/pulumi/sdk/v3@v3.246.0",
            # The pinned pseudo-version is refused; the next release is served.
            "-require=github.com/fluxcd/pkg/ssa@v0.73.0",
            f"-replace={CLIPBOARD_REPLACE}",
        ),
    ),
    ldflags=(
        "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version="
        + versions.PULUMI_KUBERNETES_VERSION,
    ),
    prepare="kubernetes-provider-schema",
    env=(*_UNCHECKED, ("GOFLAGS", "-mod=mod")),
    plugin=("resource", "kubernetes"),
)

COMMAND_PROVIDER = Tool(
    "pulumi-resource-command",
    versions.PULUMI_COMMAND_VERSION,
    "./cmd/pulumi-resource-command",
    upstream=Upstream(
        f"pulumi-command-v{versions.PULUMI_COMMAND_VERSION}",
        f"github.com/pulumi/pulumi-command at tag v{versions.PULUMI_COMMAND_VERSION}",
        module_dir="provider",
    ),
    ldflags=(
        "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version="
        + versions.PULUMI_COMMAND_VERSION,
    ),
    env=_UNCHECKED,
    plugin=("resource", "command"),
)


def _operator(command: str, version: str) -> Tool:
    return Tool(
        command,
        version,
        f"./cmd/{command}",
        upstream=Upstream(
            f"fake-gpu-operator-v{version}",
            f"github.com/run-ai/fake-gpu-operator at tag v{version}",
        ),
        env=_UNCHECKED,
        proxy_package=f"github.com/run-ai/fake-gpu-operator/cmd/{command}",
    )


# The operator's commands that serve KWOK nodes; on a control plane without a
# container runtime they run on the host, with a kubeconfig.
OPERATOR_TOOLS: tuple[Tool, ...] = (
    _operator("status-updater", OPERATOR_VERSION),
    _operator("kwok-gpu-device-plugin", OPERATOR_VERSION),
    # The first release with a DRA plugin for KWOK nodes (ResourceSlices per node).
    _operator("status-updater", OPERATOR_DRA_VERSION),
    _operator("kwok-dra-plugin", OPERATOR_DRA_VERSION),
    # 0.2.0's device plugin too: one exporter for all fake nodes suits a replay at scale.
    _operator("kwok-gpu-device-plugin", OPERATOR_DRA_VERSION),
)

# GPU telemetry on the host: the operator's KWOK exporter (one process for every fake
# node's GPUs, DCGM metrics on port 9400), and Prometheus with its rule tester, served by
# the module proxy (module v0.316.0 is Prometheus 3.x; its go.mod has no replace
# directives, so `go install` builds it).
PROMETHEUS_MODULE = "github.com/prometheus/prometheus"
EXPORTER_TOOL = _operator("status-exporter-kwok", OPERATOR_DRA_VERSION)
PROMETHEUS_TOOL = Tool(
    "prometheus", versions.PROMETHEUS_MODULE_VERSION, f"{PROMETHEUS_MODULE}/cmd/prometheus"
)
PROMTOOL_TOOL = Tool(
    "promtool", versions.PROMETHEUS_MODULE_VERSION, f"{PROMETHEUS_MODULE}/cmd/promtool"
)
TELEMETRY_TOOLS: tuple[Tool, ...] = (EXPORTER_TOOL, PROMETHEUS_TOOL, PROMTOOL_TOOL)

# The operator's other commands whose pods run on a real node in a kind cluster.
OPERATOR_IMAGE_TOOLS: tuple[Tool, ...] = (
    _operator("topology-server", OPERATOR_VERSION),
    _operator("status-exporter", OPERATOR_VERSION),
    _operator("topology-server", OPERATOR_DRA_VERSION),
    _operator("status-exporter", OPERATOR_DRA_VERSION),
    _operator("status-exporter-kwok", OPERATOR_DRA_VERSION),
    _operator("kwok-gpu-device-plugin", OPERATOR_DRA_VERSION),
)

# The schedulers a stack may choose. Kueue's manager is served by the module proxy at
# its release tag; KAI-Scheduler's module is not, so its commands are built from a
# copy of its source tree at the release tag.
KUEUE_TOOL = Tool("kueue", versions.KUEUE_VERSION, "sigs.k8s.io/kueue/cmd/kueue")
KAI_UPSTREAM = Upstream(
    f"kai-scheduler-{versions.KAI_VERSION}",
    f"github.com/kai-scheduler/KAI-scheduler at tag {versions.KAI_VERSION}",
)


def _kai(command: str) -> Tool:
    return Tool(f"kai-{command}", versions.KAI_VERSION, f"./cmd/{command}", upstream=KAI_UPSTREAM)


# KAI's commands that place pods (scheduler, binder), group them (podgrouper), keep queue
# status (queuecontroller) and PodGroup status (podgroupcontroller), and admit KAI's pods
# (admission), as lab/kai_host.py and lab/kai_admission.py run them.
KAI_COMMANDS = (
    "scheduler",
    "binder",
    "podgrouper",
    "queuecontroller",
    "podgroupcontroller",
    "admission",
)
# The version of NVIDIA gpu-operator's module whose ClusterPolicy API KAI's operator
# imported before KAI copied that API into its tree (third_party/, absent from the
# source snapshot); see gomod/kai-operator.
GPU_OPERATOR_API = "github.com/NVIDIA/gpu-operator@v1.8.3-0.20250724212111-616690d88d86"
# KAI's tree with the operator's imports resolvable (the ClusterPolicy API above).
KAI_OPERATOR_UPSTREAM = Upstream(
    KAI_UPSTREAM.folder, KAI_UPSTREAM.origin, go_mod_edits=(f"-require={GPU_OPERATOR_API}",)
)
KAI_OPERATOR_ENV = (*_UNCHECKED, ("GOFLAGS", "-mod=mod"))
# What KAI's operator deploys for the release's Config and SchedulingShard, printed by the
# operator's own packages (gomod/kai-render); its version names its source, so that a
# change to it is built anew.
KAI_RENDER_SOURCE = GOMOD_DIR / "kai-render" / "main.go.txt"
KAI_RENDER = Tool(
    "kai-render",
    f"{versions.KAI_VERSION}-{hashlib.sha256(KAI_RENDER_SOURCE.read_bytes()).hexdigest()[:8]}",
    "./cmd/gpu-fleet-kai-render",
    upstream=KAI_OPERATOR_UPSTREAM,
    prepare="kai-render",
    env=KAI_OPERATOR_ENV,
)
KAI_TOOLS: tuple[Tool, ...] = (*(_kai(command) for command in KAI_COMMANDS), KAI_RENDER)
# KAI's other command whose pod runs in a kind cluster: the operator, which deploys every
# controller above from the chart's Config.
KAI_IMAGE_TOOLS: tuple[Tool, ...] = (
    Tool(
        "kai-operator",
        versions.KAI_VERSION,
        "./cmd/operator",
        upstream=KAI_OPERATOR_UPSTREAM,
        prepare="kai-gpu-operator-api",
        env=KAI_OPERATOR_ENV,
    ),
)
SCHEDULER_TOOLS: tuple[Tool, ...] = (KUEUE_TOOL, *KAI_TOOLS)
# Where the charts live: Kueue's in its module, KAI's in its source tree.
KUEUE_CHART_DIR = "charts/kueue"
KAI_CHART_DIR = "deployments/kai-scheduler"

# Karpenter's KWOK provider, from the module proxy. Its go.mod asks for a newer Go than a
# machine may have; `GOTOOLCHAIN=<that>+auto` lets the go command fetch that toolchain
# (the proxy serves golang.org/toolchain) when the installed one is older.
KARPENTER_KWOK_TOOL = Tool(
    "karpenter-kwok",
    versions.KARPENTER_VERSION,
    "sigs.k8s.io/karpenter/kwok",
    env=(("GOTOOLCHAIN", f"go{versions.KARPENTER_GO_VERSION}+auto"),),
)
# Where its CRDs are in the module: NodePool and NodeClaim (with the chart), KWOKNodeClass.
KARPENTER_CRD_DIRS = ("kwok/charts/crds", "kwok/apis/crds")
AUTOSCALE_TOOLS: tuple[Tool, ...] = (KARPENTER_KWOK_TOOL,)

ENGINE_TOOLS: tuple[Tool, ...] = (
    PULUMI_CLI,
    LANGUAGE_HOST,
    KUBERNETES_PROVIDER,
    COMMAND_PROVIDER,
)

TOOLS: tuple[Tool, ...] = (
    CONTROL_PLANE_TOOLS + ENGINE_TOOLS + OPERATOR_TOOLS + TELEMETRY_TOOLS + SCHEDULER_TOOLS
)

# Where the operator's chart lives in its source tree.
OPERATOR_CHART_DIR = "deploy/fake-gpu-operator"
