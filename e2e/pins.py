"""Every version the end-to-end tier builds or needs, in one place."""

from dataclasses import dataclass
from pathlib import Path

GOMOD_DIR = Path(__file__).parent / "gomod"

KWOK_VERSION = "v0.7.0"
KUBERNETES_VERSION = "v1.36.1"
# The etcd release k8s.io/kubernetes v1.36.1 pins its own etcd client and server
# modules to. kwokctl v0.7.0's table stops at Kubernetes 1.33 (etcd 3.5.21), but it
# only uses that table to pick a download, and the binary runtime is given this one.
ETCD_VERSION = "v3.6.8"


@dataclass(frozen=True)
class Tool:
    """One binary built from a Go package, either with `go install pkg@version` or from
    a wrapper module under e2e/gomod (for modules whose go.mod has replace directives)."""

    name: str
    version: str
    package: str
    wrapper: str | None = None
    ldflags: tuple[str, ...] = ()

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


TOOLS: tuple[Tool, ...] = (
    Tool("kwok", KWOK_VERSION, "sigs.k8s.io/kwok/cmd/kwok"),
    Tool("kwokctl", KWOK_VERSION, "sigs.k8s.io/kwok/cmd/kwokctl"),
    _kube("kube-apiserver"),
    _kube("kube-controller-manager"),
    _kube("kube-scheduler"),
    _kube("kubectl"),
    Tool("etcd", ETCD_VERSION, "go.etcd.io/etcd/server/v3", wrapper="etcd"),
)


@dataclass(frozen=True)
class BlockedModule:
    """A piece the full tier needs whose Go module the registry refuses (or cannot serve)."""

    what: str
    module: str
    version: str
    needed_for: str


# Pins match requirements.txt (pulumi 3.272.0, pulumi-kubernetes 4.34.2,
# pulumi-command 1.2.1) and fleet/versions.py (fake-gpu-operator 0.0.59).
BLOCKED: tuple[BlockedModule, ...] = (
    BlockedModule(
        "Pulumi engine (CLI)",
        "github.com/pulumi/pulumi/pkg/v3",
        "v3.272.0",
        "pulumi up / preview / destroy",
    ),
    BlockedModule(
        "Pulumi Python language host",
        "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3",
        "v3.272.0",
        "running __main__.py under the engine",
    ),
    BlockedModule(
        "pulumi-kubernetes provider",
        "github.com/pulumi/pulumi-kubernetes/provider/v4",
        "v4.34.2",
        "every Kubernetes resource of the program",
    ),
    BlockedModule(
        "pulumi-command provider",
        "github.com/pulumi/pulumi-command/provider",
        "v1.2.1",
        "the kind cluster command",
    ),
    BlockedModule(
        "run.ai fake-gpu-operator",
        "github.com/run-ai/fake-gpu-operator",
        "v0.0.59",
        "advertising nvidia.com/gpu on the fake nodes",
    ),
)
