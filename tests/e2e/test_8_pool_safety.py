"""Fleets that cannot leak, under the real engine on real control planes: faults injected by
a loopback proxy, the engine killed mid-`up` and recovered by README's commands, a Ctrl-C
with one pool and with six (more than the provider server's 4 workers), drift in
preview and every owned field reaching existing nodes, a stack moved to another cluster,
two stacks with the same pool names, and `destroy` once the control plane is gone.

Two control planes of their own (with KWOK controllers), so the session's lesson-1 fleet
is not touched. Each stack runs with KWOK, the operator and the demo off: the nodes are
the subject.
"""

import contextlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from fleet.cluster.node_api import FIELD_MANAGER
from fleet.render.nodes import STACK_LABEL, fake_node
from fleet.stack.owner import StackOwner
from fleet.stack.spec import PoolSpec
from lab import kube
from lab.cluster import Cluster, kwok_cluster
from lab.dynamic_provider import ensure_dynamic_provider_plugin
from lab.engine import FleetStack
from lab.fault_proxy import Plan, fault_proxy, proxy_kubeconfig
from lab.pool_changes import Steps
from lab.readme import console_commands
from lab.tools import Engine

pytestmark = pytest.mark.e2e

RECOVERY_HEADING = "### Recovering from an interrupted `up`"
NEW_LABEL = "example.com/added-by-upgrade"
SET_AT_CREATE = "example.com/set-at-create"
RACE_POOL = PoolSpec.model_validate({"nodes": 5, "gpusPerNode": 8, "product": "NVIDIA-L40S"})


@pytest.fixture(scope="module")
def first(binaries: dict[str, Path]) -> Iterator[Cluster]:
    with kwok_cluster(binaries) as created:
        yield created


@pytest.fixture(scope="module")
def second(binaries: dict[str, Path]) -> Iterator[Cluster]:
    with kwok_cluster(binaries) as created:
        yield created


@pytest.fixture(scope="module")
def apis(first: Cluster, second: Cluster) -> Iterator[dict[str, Any]]:
    clients = {
        "first": kube.api_client(first.kubeconfig),
        "second": kube.api_client(second.kubeconfig),
    }
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture(scope="module")
def dynamic_plugin(engine: Engine) -> Engine:
    ensure_dynamic_provider_plugin(engine)
    return engine


def pool(nodes: int, product: str = "NVIDIA-A100-SXM4-80GB", **extra: Any) -> dict[str, Any]:
    return {"nodes": nodes, "gpusPerNode": 8, "product": product, **extra}


def config(cluster: dict[str, Any], pools: dict[str, Any], mode: str = "perPool") -> dict[str, Any]:
    return {
        "cluster": cluster,
        "nodeResources": mode,
        "pools": pools,
        "kwok": {"install": False},
        "operator": {"install": False},
        "demo": {"enabled": False},
    }


def owned_nodes(api: Any, stack: str) -> dict[str, dict[str, Any]]:
    """The nodes labelled as the stack's (`gpu-fleet.<stack>`), by name."""
    selector = f"{STACK_LABEL}=gpu-fleet.{stack}"
    nodes = kube.items(kube.core(api).list_node, label_selector=selector)
    return {node["metadata"]["name"]: node for node in nodes}


def names(pool_name: str, count: int) -> list[str]:
    return [f"kwok-gpu-{pool_name}-{i}" for i in range(count)]


@pytest.fixture
def new_stack(dynamic_plugin: Engine, tmp_path_factory: Any) -> Iterator[Callable[..., FleetStack]]:
    """Make stacks; whatever a scenario leaves (a failed one, say) is destroyed after it,
    so that the next scenario's nodes are not refused as someone else's."""
    made: list[FleetStack] = []

    def make(name: str, keep: bool = False, **options: Any) -> FleetStack:
        """`keep`: left as it is, with the control plane it is on, whose pools no other
        scenario names (destroying 300 perNode nodes would take minutes of the tier)."""
        stack = FleetStack(dynamic_plugin, tmp_path_factory.mktemp(name), name, **options)
        if not keep:
            made.append(stack)
        return stack

    yield make
    for stack in made:
        if stack.resource_names():
            stack.shell(f"pulumi cancel --yes --stack {stack.name}")
            stack.shell(
                f"PULUMI_K8S_DELETE_UNREACHABLE=true pulumi destroy --yes --stack {stack.name}"
            )


def failed(call: Any) -> str:
    """Run an engine operation that must fail; its output."""
    with pytest.raises(auto.CommandError) as error:
        call()
    return str(error.value)


# -- faults -------------------------------------------------------------------------------


def through_the_proxy(url: str, folder: Path) -> dict[str, Any]:
    """An existing-cluster stack's `cluster` that reaches the API server through the proxy."""
    kubeconfig = proxy_kubeconfig(url, folder / "kubeconfig")
    return {
        "mode": "existing",
        "kubeconfig": str(kubeconfig),
        "context": "fault-proxy",
        "allowFakeNodes": True,
    }


def test_faults_stop_up_clearly_then_up_converges_and_destroy_leaves_none(
    new_stack: Callable[..., FleetStack],
    first: Cluster,
    apis: dict[str, Any],
    tmp_path_factory: Any,
) -> None:
    plan = Plan(faults={3: "500", 6: "429", 9: "hang", 12: "reset"}, outage_from=20, hang_seconds=4)
    with fault_proxy(first.kubeconfig, plan) as url:
        cluster = through_the_proxy(url, tmp_path_factory.mktemp("proxy"))
        stack = new_stack("faults")
        stack.env["GPU_FLEET_REQUEST_TIMEOUT"] = "2"
        stack.write_config(config(cluster, {"a100": pool(40)}))
        output = failed(stack.up)
        print(f"  injected (write number, fault): {plan.injected}")
        assert {fault for _, fault in plan.injected} == {"500", "429", "hang", "reset"}
        assert "pool a100 (stack gpu-fleet.faults): create stopped" in output
        assert "failed requests in a row" in output
        assert "Run `pulumi up` again" in output
        written = owned_nodes(apis["first"], "faults")
        assert 0 < len(written) < 40
        # The brake: 8 failed requests in a row stop it, plus at most 7 more already under
        # way (without it, the 20 nodes left would take 100 attempts).
        assert plan.writes <= 19 + 8 + 7
        plan.heal()
        stack.up()
        assert sorted(owned_nodes(apis["first"], "faults")) == sorted(names("a100", 40))
        stack.destroy()
    assert owned_nodes(apis["first"], "faults") == {}


def test_a_node_another_stack_makes_after_the_list_is_refused_not_taken(
    new_stack: Callable[..., FleetStack],
    first: Cluster,
    apis: dict[str, Any],
    tmp_path_factory: Any,
) -> None:
    """The race the list cannot see: just before the pool's create of one node reaches the
    API server, another stack makes that node; the create only creates."""
    api = apis["first"]
    intruder = fake_node("race", RACE_POOL, 2, StackOwner("gpu-fleet", "intruder"))
    taken = intruder["metadata"]["name"]
    made: list[str] = []

    def meanwhile(method: str, path: str) -> None:
        if method == "PATCH" and path.startswith(f"/api/v1/nodes/{taken}?") and not made:
            made.append(path)
            kube.core(api).create_node(intruder, field_manager="intruder")

    with fault_proxy(first.kubeconfig, Plan(meanwhile=meanwhile)) as url:
        cluster = through_the_proxy(url, tmp_path_factory.mktemp("race"))
        stack = new_stack("race")
        stack.write_config(config(cluster, {"race": pool(5)}))
        output = failed(stack.up)
        assert made, "the pool never sent the create of the node the other stack made"
        assert (
            f"node {taken} was made by someone else after the pool listed the nodes "
            "(owned by stack gpu-fleet.intruder, pool race); nothing was written to it"
        ) in output
        node = kube.core(api).read_node(taken).to_dict()
        assert node["metadata"]["labels"][STACK_LABEL] == "gpu-fleet.intruder"
        managers = {entry["manager"] for entry in node["metadata"]["managed_fields"]}
        assert "intruder" in managers
        assert FIELD_MANAGER not in managers  # (KWOK and kube-controller-manager write too)
        assert sorted(owned_nodes(api, "race")) == sorted(set(names("race", 5)) - {taken})
        kube.core(api).delete_node(taken)
        stack.up()
        assert sorted(owned_nodes(api, "race")) == sorted(names("race", 5))
        stack.destroy()
    assert owned_nodes(api, "race") == {}


# -- the engine killed mid-up -------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (the engine's plugins run in process groups of their own,
    so killing the CLI's group would leave them running)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def kill_engine_at(stack: FleetStack, api: Any, wanted: int, at: int) -> int:
    """Start `pulumi up` and SIGKILL the engine (the CLI, its language host, program and
    provider plugins) once `at` of the stack's nodes exist; return how many existed."""
    command = ["pulumi", "up", "--yes", "--skip-preview", "--stack", stack.name]
    process = subprocess.Popen(
        command,
        cwd=stack.project,
        env={**os.environ, **stack.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def kill() -> None:
        for pid in [process.pid, *descendants(process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)  # nothing moves while the tree is collected
        for pid in [process.pid, *descendants(process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()

    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            count = len(owned_nodes(api, stack.name))
            if count >= at:
                kill()
                return count
            time.sleep(0.05)
        raise AssertionError(
            f"`pulumi up` ended (rc {process.returncode}) before {at} of {wanted} nodes"
        )
    finally:
        if process.poll() is None:
            kill()


@pytest.mark.parametrize("mode", ["perPool", "perNode"])
def test_the_engine_killed_mid_up_recovers_by_the_readme_commands(
    mode: str,
    new_stack: Callable[..., FleetStack],
    first: Cluster,
    apis: dict[str, Any],
    tmp_path_factory: Any,
) -> None:
    stack = new_stack(f"killed-{mode.lower()}", keep=True)
    prefix = "kp" if mode == "perPool" else "kn"
    pools = {f"{prefix}a": pool(150), f"{prefix}b": pool(150, "NVIDIA-H100-80GB-HBM3")}
    stack.write_config(config(first.as_stack_cluster(), pools, mode))
    assert stack.stack.name == stack.name  # the stack exists, as after `make stack`
    found = kill_engine_at(stack, apis["first"], 300, 150)
    print(f"  killed the engine with {found} of 300 nodes written")
    assert found < 300, "the engine finished before it was killed: nothing was interrupted"
    for command in console_commands(RECOVERY_HEADING, stack.name):
        done = stack.shell(command)
        assert done.returncode == 0, f"{command}: exit {done.returncode}"
    assert sorted(owned_nodes(apis["first"], stack.name)) == sorted(
        names(f"{prefix}a", 150) + names(f"{prefix}b", 150)
    )
    preview = stack.preview()
    assert [c for c in preview.changes if not c.type.startswith("pulumi:providers:")] == []


# -- Ctrl-C during up ---------------------------------------------------------------------


@dataclass
class Interrupted:
    """What a Ctrl-C did: nodes when it was sent, (seconds after it, nodes) samples until
    the engine had exited, its exit code and output."""

    at_signal: int
    samples: list[tuple[float, int]]
    returncode: int
    output: str

    def last_growth(self) -> float:
        """Seconds after the signal of the last sample with more nodes than the one before."""
        counts = [(0.0, self.at_signal), *self.samples]
        grew = [t for (_, before), (t, n) in itertools.pairwise(counts) if n > before]
        return max(grew, default=0.0)


def interrupt_engine_at(stack: FleetStack, api: Any, at: int, whole_group: bool) -> Interrupted:
    """Start `pulumi up` as a terminal starts a job (a process group of its own) and, once
    `at` of the stack's nodes exist, send SIGINT to that group (Ctrl-C) or to the engine's
    process alone; follow the node count until the engine has exited and a second after."""
    log = stack.project / "interrupted-up.log"
    command = ["pulumi", "up", "--yes", "--skip-preview", "--stack", stack.name]
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=stack.project,
            env={**os.environ, **stack.env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while (count := len(owned_nodes(api, stack.name))) < at:
                assert process.poll() is None, f"`pulumi up` ended before {at} nodes"
                time.sleep(0.02)
            sent = time.monotonic()
            if whole_group:
                os.killpg(process.pid, signal.SIGINT)
            else:
                os.kill(process.pid, signal.SIGINT)
            samples: list[tuple[float, int]] = []
            ended: float | None = None
            while ended is None or time.monotonic() < ended + 1.0:
                samples.append((time.monotonic() - sent, len(owned_nodes(api, stack.name))))
                if ended is None and process.poll() is not None:
                    ended = time.monotonic()
                assert time.monotonic() < sent + 120, "the engine did not exit after Ctrl-C"
                time.sleep(0.1)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    return Interrupted(count, samples, process.returncode, log.read_text())


@pytest.mark.parametrize("whole_group", [True, False], ids=["ctrl-c", "sigint-to-the-engine"])
def test_ctrl_c_stops_the_pool_at_once_and_the_readme_commands_converge(
    whole_group: bool,
    new_stack: Callable[..., FleetStack],
    first: Cluster,
    apis: dict[str, Any],
    tmp_path_factory: Any,
) -> None:
    stack = new_stack("ctrl-c" if whole_group else "sigint")
    stack.write_config(config(first.as_stack_cluster(), {"cc": pool(300)}))
    assert stack.stack.name == stack.name
    done = interrupt_engine_at(stack, apis["first"], at=30, whole_group=whole_group)
    final = done.samples[-1][1]
    print(
        f"  SIGINT at {done.at_signal} nodes; the last new node {done.last_growth():.2f} s "
        f"after it; {final} in the end; the engine exited {done.returncode}"
    )
    assert done.returncode != 0
    assert "create stopped: cancelled" in done.output
    assert final < 300, "the pool wrote every node: the cancel did not reach it"
    assert done.last_growth() <= 3.0
    # The create failed: no pool in the state and no pending operation to clear.
    deployment = stack.stack.export_stack().deployment or {}
    assert not deployment.get("pending_operations")
    assert "cc-nodes" not in stack.resource_names()
    for command in console_commands(RECOVERY_HEADING, stack.name):
        assert stack.shell(command).returncode == 0, command
    assert sorted(owned_nodes(apis["first"], stack.name)) == sorted(names("cc", 300))
    stack.destroy()
    assert owned_nodes(apis["first"], stack.name) == {}


@pytest.mark.parametrize("whole_group", [True, False], ids=["ctrl-c", "sigint-to-the-engine"])
def test_ctrl_c_stops_six_pools_at_once_more_than_the_provider_has_workers(
    whole_group: bool,
    new_stack: Callable[..., FleetStack],
    first: Cluster,
    apis: dict[str, Any],
) -> None:
    """Six pools in one dynamic-provider server, whose SDK runs 4 workers: a create holds
    its worker until its last node, so the Cancel of the first Ctrl-C must not queue
    behind the other pools' creates (`components/engine_cancel.py`)."""
    stack = new_stack("six-" + ("ctrl-c" if whole_group else "sigint"))
    six = {f"{'cc' if whole_group else 'si'}{i}": pool(400) for i in range(6)}
    stack.write_config(config(first.as_stack_cluster(), six))
    assert stack.stack.name == stack.name
    total = sum(spec["nodes"] for spec in six.values())
    done = interrupt_engine_at(stack, apis["first"], at=60, whole_group=whole_group)
    left = owned_nodes(apis["first"], stack.name)
    writing = sorted({name.rsplit("-", 1)[0].removeprefix("kwok-gpu-") for name in left})
    print(
        f"  SIGINT at {done.at_signal} nodes; pools with nodes: {', '.join(writing)}; the last "
        f"new node {done.last_growth():.2f} s after it; {len(left)} of {total} in the end; "
        f"the engine exited {done.returncode}"
    )
    assert done.returncode != 0
    assert len(left) < total / 2, "the pools went on writing: the cancel did not reach them"
    assert done.last_growth() <= 3.0
    for name in writing:
        said = rf"pool {name} \(stack [^)]+\):\s+create stopped:\s+cancelled"
        assert re.search(said, done.output), f"pool {name}: not stopped by the cancel"
    deployment = stack.stack.export_stack().deployment or {}
    assert not deployment.get("pending_operations")
    assert not [name for name in stack.resource_names() if name.endswith("-nodes")]
    # No pool is in the state to destroy them: the nodes written go through the API.
    selector = f"{STACK_LABEL}=gpu-fleet.{stack.name}"
    kube.core(apis["first"]).delete_collection_node(label_selector=selector)
    assert owned_nodes(apis["first"], stack.name) == {}


# -- drift in preview; every owned field reaches existing nodes -------------------------------


def add_label_to_the_program(stack: FleetStack, present: bool) -> None:
    """A program upgrade: the copied `fleet/render/nodes.py` renders one more label (or not)."""
    source = stack.project / "fleet" / "render" / "nodes.py"
    text = source.read_text()
    line = f'                "{NEW_LABEL}": "yes",\n'
    anchor = "                OWNED_POOL_LABEL: pool_name,\n"
    text = text.replace(line, "")
    if present:
        text = text.replace(anchor, anchor + line)
    source.write_text(text)


def add_status_to_the_program(stack: FleetStack, present: bool) -> None:
    """A program whose rendered node has (or no longer has) one more status resource."""
    source = stack.project / "fleet" / "render" / "nodes.py"
    text = source.read_text()
    anchor = '"pods": str(pool.pods)'
    extra = f', "{SET_AT_CREATE}": "1"'
    text = text.replace(anchor + extra, anchor)
    if present:
        text = text.replace(anchor, anchor + extra)
    source.write_text(text)


@pytest.mark.parametrize("mode", ["perPool", "perNode"])
def test_a_template_change_shows_in_preview_reaches_every_node_and_goes_again(
    mode: str,
    new_stack: Callable[..., FleetStack],
    first: Cluster,
    apis: dict[str, Any],
    tmp_path_factory: Any,
) -> None:
    count = 20 if mode == "perPool" else 3
    stack = new_stack(f"drift-{mode.lower()}", copied=("fleet",))
    pools = {"a100": pool(count), "h100": pool(count, "NVIDIA-H100-80GB-HBM3")}
    stack.write_config(config(first.as_stack_cluster(), pools, mode))
    if mode == "perPool":  # a status field given only when the nodes are created
        add_status_to_the_program(stack, present=True)
    stack.up()
    api = apis["first"]
    if mode == "perPool":
        created = owned_nodes(api, stack.name).values()
        assert all(n["status"]["capacity"][SET_AT_CREATE] == "1" for n in created)
        add_status_to_the_program(stack, present=False)
    add_label_to_the_program(stack, present=True)
    steps = Steps()
    printed: list[str] = []
    stack.stack.preview(
        diff=True, color="never", on_event=steps.on_event(), on_output=printed.append
    )
    text = "".join(printed)
    assert NEW_LABEL in text
    if mode == "perPool":
        assert steps.ops == {"a100-nodes": "update", "h100-nodes": "update"}
        assert {step.summary for step in steps.pools} == {
            f"re-applies {count} existing nodes (the rendered node changed)"
        }
    else:
        assert steps.ops == {name: "update" for name in names("a100", count) + names("h100", count)}
    stack.up()
    nodes = owned_nodes(api, stack.name)
    assert len(nodes) == 2 * count
    assert all(node["metadata"]["labels"].get(NEW_LABEL) == "yes" for node in nodes.values())
    for node in nodes.values():  # dropped by the same upgrade, and never re-applied before
        assert SET_AT_CREATE not in node["status"]["capacity"]
        assert SET_AT_CREATE not in node["status"]["allocatable"]
    add_label_to_the_program(stack, present=False)
    stack.up()
    nodes = owned_nodes(api, stack.name)
    assert all(NEW_LABEL not in node["metadata"]["labels"] for node in nodes.values())
    if mode == "perPool":
        # A cpu change reaches the status of every existing node, KWOK running meanwhile.
        pools["a100"]["cpu"] = 128
        stack.write_config(config(first.as_stack_cluster(), pools, mode))
        stack.up()
        a100 = {n: node for n, node in owned_nodes(api, stack.name).items() if "a100" in n}
        assert len(a100) == count
        for node in a100.values():
            assert node["status"]["capacity"]["cpu"] == "128"
            assert node["status"]["allocatable"]["cpu"] == "128"
            entries = [
                (e["manager"], e["operation"], e.get("subresource", ""))
                for e in node["metadata"]["managedFields"]
            ]
            assert (FIELD_MANAGER, "Apply", "status") in entries
            assert (FIELD_MANAGER, "Apply", "") in entries
            assert (FIELD_MANAGER, "Update", "") not in entries  # never a plain create
    stack.destroy()
    assert owned_nodes(api, stack.name) == {}


# -- a stack moved to another cluster ----------------------------------------------------------


@pytest.mark.parametrize("mode", ["perPool", "perNode"])
def test_a_stack_moved_to_another_context_leaves_nothing_in_the_first(
    mode: str,
    new_stack: Callable[..., FleetStack],
    first: Cluster,
    second: Cluster,
    apis: dict[str, Any],
    tmp_path_factory: Any,
) -> None:
    stack = new_stack(f"moved-{mode.lower()}")
    pools = {"a100": pool(4)}
    stack.write_config(config(first.as_stack_cluster(), pools, mode))
    stack.up()
    assert sorted(owned_nodes(apis["first"], stack.name)) == names("a100", 4)
    stack.write_config(config(second.as_stack_cluster(), pools, mode))
    stack.up()
    assert owned_nodes(apis["first"], stack.name) == {}
    assert sorted(owned_nodes(apis["second"], stack.name)) == names("a100", 4)
    stack.destroy()
    assert owned_nodes(apis["second"], stack.name) == {}


# -- two stacks, same pool names ------------------------------------------------------------


def test_a_second_stack_with_the_same_pool_names_is_refused_naming_the_owner(
    new_stack: Callable[..., FleetStack],
    first: Cluster,
    apis: dict[str, Any],
    tmp_path_factory: Any,
) -> None:
    api = apis["first"]
    one = new_stack("owner-one")
    one.write_config(config(first.as_stack_cluster(), {"a100": pool(3)}))
    one.up()
    two = new_stack("owner-two")
    l40s = {"l40s": pool(2, "NVIDIA-L40S")}
    two.write_config(config(first.as_stack_cluster(), l40s))
    two.up()
    two.write_config(config(first.as_stack_cluster(), {"a100": pool(3), **l40s}))
    output = failed(two.up)
    assert "owned by stack gpu-fleet.owner-one, pool a100" in output
    assert "Nothing was written" in output
    assert sorted(owned_nodes(api, "owner-one")) == names("a100", 3)
    # perNode: the kubernetes provider's create of an existing node fails.
    three = new_stack("owner-three")
    three.write_config(config(first.as_stack_cluster(), {"a100": pool(1)}, "perNode"))
    output = failed(three.up)
    assert 'nodes "kwok-gpu-a100-0" already exists' in output
    assert sorted(owned_nodes(api, "owner-one")) == names("a100", 3)
    one.destroy()
    assert owned_nodes(api, "owner-one") == {}
    assert sorted(owned_nodes(api, "owner-two")) == names("l40s", 2)
    two.up()  # the pool names are free now
    assert sorted(owned_nodes(api, "owner-two")) == sorted(names("a100", 3) + names("l40s", 2))
    two.destroy()
    three.destroy()
    assert owned_nodes(api, "owner-two") == {}


# -- destroy once the control plane is gone --------------------------------------------------


def test_destroy_after_the_control_plane_is_gone_needs_the_switch_and_says_so(
    new_stack: Callable[..., FleetStack], binaries: dict[str, Path], tmp_path_factory: Any
) -> None:
    stack = new_stack("gone")
    with kwok_cluster(binaries) as doomed:
        # A kubeconfig that outlives the cluster, as a user's own does.
        kept = tmp_path_factory.mktemp("kept") / "kubeconfig"
        shutil.copyfile(doomed.kubeconfig, kept)
        cluster = {**doomed.as_stack_cluster(), "kubeconfig": str(kept)}
        stack.write_config(config(cluster, {"a100": pool(3)}))
        stack.up()
    # The control plane is deleted now.
    workspace = stack.stack.workspace
    workspace.env_vars = {**workspace.env_vars, "GPU_FLEET_REQUEST_TIMEOUT": "2"}
    output = failed(stack.destroy)
    assert "the cluster is unreachable" in output
    assert "PULUMI_K8S_DELETE_UNREACHABLE=true" in output
    workspace.env_vars = {**workspace.env_vars, "PULUMI_K8S_DELETE_UNREACHABLE": "true"}
    printed: list[str] = []
    stack.stack.destroy(color="never", on_output=printed.append)
    assert "deleteUnreachable is on" in "".join(printed)
    assert stack.resource_names() == []
