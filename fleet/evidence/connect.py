"""Connect to the cluster a stack names: its kubeconfig and context, read through `files_in`."""

import os
from pathlib import Path

from kubernetes import client, config
from urllib3.exceptions import MaxRetryError

from fleet.files import files_in
from fleet.files.files_in import cut
from fleet.stack.spec import (
    ENCRYPTED_KUBECONFIG,
    PROJECT,
    ExistingClusterSpec,
    FleetSpec,
    KindClusterSpec,
    is_inline_kubeconfig,
)

# A redirect creates its file under the shell's umask (often 644) and keeps the mode of
# a file already there: the file is removed, then created under umask 077 (mode 600).
PRIVATE_KUBECONFIG_COMMAND = (
    f"(umask 077 && rm -f FILE && pulumi config get --path {PROJECT}:cluster.kubeconfig > FILE)"
)


def kubeconfig_and_context(
    spec: FleetSpec, kubeconfig: str | None, context: str | None
) -> tuple[str, str | None]:
    """The kubeconfig file and context: those given, else the stack's, else the defaults.
    A kind stack read through the default kubeconfig ($KUBECONFIG, ~/.kube/config) uses
    the context kind writes there, `kind-<name>`, not whichever is current."""
    if isinstance(spec.cluster, KindClusterSpec) and not kubeconfig:
        context = context or kind_context(spec.cluster)
    if isinstance(spec.cluster, ExistingClusterSpec):
        if not kubeconfig and spec.cluster.kubeconfig == ENCRYPTED_KUBECONFIG:
            raise files_in.FileProblem(
                f"{PROJECT}:cluster.kubeconfig",
                "a Pulumi secret, which only the engine decrypts: give --kubeconfig FILE, "
                f"written readable by you alone: `{PRIVATE_KUBECONFIG_COMMAND}`",
            )
        kubeconfig = kubeconfig or spec.cluster.kubeconfig
        context = context or spec.cluster.context
    kubeconfig = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
    return (
        kubeconfig if is_inline_kubeconfig(kubeconfig) else os.path.expanduser(kubeconfig)
    ), context


def kind_context(cluster: KindClusterSpec) -> str:
    return f"kind-{cluster.name}"


def stack_cluster(spec: FleetSpec, stack_file: str | Path) -> str:
    """Which cluster the stack's commands read and the command that brings it up, for the
    messages of a cluster that cannot be reached."""
    stack = Path(stack_file).name.removeprefix("Pulumi.").removesuffix(".yaml")
    up = f"make up STACK={stack}"
    if isinstance(spec.cluster, KindClusterSpec):
        name = spec.cluster.name
        return (
            f"stack {stack}'s cluster is the kind cluster {name} (context "
            f"{kind_context(spec.cluster)}); if it is not up, bring it up with `{up}`"
        )
    context = spec.cluster.context or "the current one"
    kubeconfig = spec.cluster.kubeconfig
    where = named(kubeconfig) if kubeconfig else "$KUBECONFIG or ~/.kube/config"
    return (
        f"stack {stack}'s cluster is an existing one, context {context} of {where}; "
        f"start that cluster, then `{up}` puts the fleet on it"
    )


INLINE = "the stack's inline kubeconfig"


def named(kubeconfig: str) -> str:
    """The kubeconfig as a message names it: its path, never an inline one's text."""
    return INLINE if is_inline_kubeconfig(kubeconfig) else kubeconfig


def connect(kubeconfig: str, context: str | None, cluster: str = "") -> client.ApiClient:
    """A client from the kubeconfig file(s) or inline text, each read through
    `fleet.files.files_in` first; `cluster` (`stack_cluster`) ends the error's message.

    The kubernetes client reads files again (it merges a `KUBECONFIG` list and
    resolves relative paths against each file); the first read gives its
    limits and clear errors to a file the client would choke on.
    """
    try:
        if is_inline_kubeconfig(kubeconfig):
            document = files_in.load_yaml(kubeconfig, INLINE)
            api: client.ApiClient = config.new_client_from_config_dict(  # type: ignore[no-untyped-call]
                document, context=context, persist_config=False
            )
            return api
        for path in filter(None, kubeconfig.split(os.pathsep)):
            if os.path.exists(path):
                files_in.read_yaml(path)
        api = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=kubeconfig, context=context, persist_config=False
        )
    except (config.ConfigException, OSError, ValueError, TypeError, AttributeError) as error:
        where = f"context {context or 'current'}"
        raise files_in.FileProblem(
            named(kubeconfig),
            f"cannot load the kubeconfig ({where}): {cut(first_line(error), 400)}"
            + (f"; {cluster}" if cluster else ""),
        ) from None
    return api


def current_context(kubeconfig: str, context: str | None) -> str:
    """The context a connection uses: the one given, else the kubeconfig's current one."""
    if context:
        return context
    first = next(filter(None, kubeconfig.split(os.pathsep)), "")
    if is_inline_kubeconfig(kubeconfig):
        document = files_in.load_yaml(kubeconfig, INLINE)
    else:
        document = files_in.read_yaml(first) if os.path.isfile(first) else None
    current = document.get("current-context") if isinstance(document, dict) else None
    return str(current) if current else "(none)"


def unreachable(
    error: Exception, api: client.ApiClient, kubeconfig: str, context: str, cluster: str = ""
) -> str:
    """Why the cluster could not be read, naming the server and the context tried, and
    (`cluster`, from `stack_cluster`) the stack's cluster and how it is brought up."""
    server = api.configuration.host
    if isinstance(error, client.ApiException):
        why = f"the API server answered HTTP {error.status} {error.reason or ''}".rstrip()
    elif isinstance(error, MaxRetryError) and error.reason is not None:
        why = str(error.reason).rpartition(": ")[2] or type(error.reason).__name__
    else:
        why = first_line(error)
    return (
        f"cannot read the cluster at {server} (context {context} of {named(kubeconfig)}): "
        f"{cut(why, 400)}; " + (cluster or "is the cluster running, and is this its kubeconfig?")
    )


def first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.splitlines()[:3])
