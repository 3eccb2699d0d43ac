"""The scheduler demo: its jobs sized from the fleet and teams, what each step should show,
the pods each scheduler is given, and `fleet expect` printing it."""

import copy
import json
from typing import Any

import pytest

from fleet.cli import main
from fleet.schedulers.scenarios import ScenarioProblem, Step, plan_scenarios
from fleet.schedulers.workloads import job_objects
from fleet.stack.load import load_stack_file, parse_fleet
from fleet.stack.spec import FleetSpec
from tests.paths import STACKS_DIR

KUEUE_FILE = STACKS_DIR / "Pulumi.lesson1-kueue.yaml"
KUEUE = load_stack_file(KUEUE_FILE)
KAI = load_stack_file(STACKS_DIR / "Pulumi.lesson1-kai.yaml")
BASE: dict[str, Any] = {
    "cluster": {"mode": "kind"},
    "pools": {"big": {"nodes": 3, "gpusPerNode": 4, "product": "NVIDIA-L40S"}},
    "scheduler": "kueue",
    "teams": {
        "low": {"quota": {"big": 4}, "borrowingLimit": 2, "priority": 1},
        "high": {"quota": {"big": 8}, "priority": 9},
    },
}


def states(step: Step) -> dict[str, tuple[int, int]]:
    return {s.team: (s.running, s.waiting) for s in step.expected}


def spec_with(**changes: Any) -> FleetSpec:
    config = copy.deepcopy(BASE)
    config.update(changes)
    return parse_fleet(config, "test.yaml")


def test_lesson1_scenarios_step_by_step() -> None:
    within, borrow, gang = plan_scenarios(KUEUE)
    assert [states(s) for s in within.steps] == [{"research": (8, 0)}]
    assert [states(s) for s in borrow.steps] == [
        {"prod": (8, 0)},
        {"research": (8, 8), "prod": (8, 0)},  # over quota: waits
        {"research": (16, 0)},  # borrows prod's idle GPUs
        {"research": (8, 8), "prod": (8, 0)},  # prod reclaims them
    ]
    assert [states(s) for s in gang.steps] == [
        {"prod": (8, 0)},
        {"research": (0, 16), "prod": (8, 0)},  # neither pod of the gang starts
        {"research": (16, 0)},
    ]
    (gang_job,) = gang.steps[1].submit
    assert (gang_job.pods, gang_job.gpus_per_pod, gang_job.pool) == (2, 8, "a100")


def test_kai_stack_gets_the_same_scenarios() -> None:
    assert [s.name for s in plan_scenarios(KAI)] == [
        "within-quota",
        "borrow-then-reclaim",
        "gang",
    ]


def test_sizes_follow_the_pool_and_the_borrowing_limit() -> None:
    within, borrow, gang = plan_scenarios(spec_with())
    assert states(within.steps[0]) == {"low": (4, 0)}
    # low may borrow 2 of high's 8; nothing is idle while high holds its quota.
    assert [states(s) for s in borrow.steps] == [
        {"high": (8, 0)},
        {"low": (4, 2), "high": (8, 0)},
        {"low": (6, 0)},
        {"low": (4, 2), "high": (8, 0)},
    ]
    # A 4-GPU node is busy; low may hold 6, the gang of 8 never fits within its limit.
    assert [states(s) for s in gang.steps] == [
        {"high": (4, 0)},
        {"low": (0, 8), "high": (4, 0)},
        {"low": (0, 8)},
    ]


@pytest.mark.parametrize(
    ("teams", "message"),
    [
        ({"low": {"quota": {"big": 4}}}, "a pool of at least two nodes on which two teams"),
        (
            {"a": {"quota": {"big": 4}}, "b": {"quota": {"big": 4}}},
            "at one priority: the reclaim scenario needs one team of higher priority",
        ),
        (
            {
                "a": {"quota": {"big": 4}, "borrowingLimit": 0},
                "b": {"quota": {"big": 4}, "priority": 2},
            },
            "the borrowing scenario needs a borrowingLimit of at least 1",
        ),
    ],
)
def test_teams_that_cannot_stage_the_demo_are_told_why(teams: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioProblem, match=message):
        plan_scenarios(spec_with(teams=teams))


def test_kueue_pods_form_a_pod_group_in_the_team_queue() -> None:
    (gang,) = plan_scenarios(KUEUE)[2].steps[1].submit
    pods = job_objects(KUEUE, gang)
    assert [p["metadata"]["name"] for p in pods] == ["research-gang-0", "research-gang-1"]
    for pod in pods:
        assert pod["metadata"]["namespace"] == "research"
        assert pod["metadata"]["labels"]["kueue.x-k8s.io/queue-name"] == "research"
        assert pod["metadata"]["labels"]["kueue.x-k8s.io/pod-group-name"] == "research-gang"
        assert pod["metadata"]["labels"]["kueue.x-k8s.io/priority-class"] == "research-priority"
        assert pod["metadata"]["annotations"] == {"kueue.x-k8s.io/pod-group-total-count": "2"}
        assert pod["spec"]["nodeSelector"] == {"gpu-pool": "a100"}
        assert pod["spec"]["containers"][0]["resources"] == {"limits": {"nvidia.com/gpu": "8"}}
        assert "schedulerName" not in pod["spec"]


def test_kai_pods_name_a_pod_group_of_min_member_all() -> None:
    (gang,) = plan_scenarios(KAI)[2].steps[1].submit
    group, *pods = job_objects(KAI, gang)
    assert group["kind"] == "PodGroup"
    assert group["spec"] == {"minMember": 2, "queue": "research", "priorityClassName": "train"}
    assert len(pods) == 2
    for pod in pods:
        assert pod["spec"]["schedulerName"] == "kai-scheduler"
        assert pod["metadata"]["annotations"] == {"pod-group-name": "research-gang"}
        assert pod["metadata"]["labels"]["kai.scheduler/queue"] == "research"


def test_fleet_expect_prints_the_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["expect", str(KUEUE_FILE), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["scheduler"] == "kueue"
    steps = document["scenarios"][1]["steps"]
    assert steps[1]["teams"] == [
        {"team": "research", "running": 8, "waiting": 8},
        {"team": "prod", "running": 8, "waiting": 0},
    ]
    assert main(["expect", str(KUEUE_FILE)]) == 0
    out = capsys.readouterr().out
    assert "kueue scenario gang: 16 GPUs over two 8-GPU nodes, all-or-nothing" in out


def test_expect_on_teams_that_cannot_stage_the_demo_says_why(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    text = KUEUE_FILE.read_text().replace("priority: 100\n", "priority: 1000\n")
    stack = tmp_path / "Pulumi.same-priority.yaml"
    stack.write_text(text)
    assert main(["expect", str(stack)]) == 0
    assert "caveat: no scheduler demo: teams research, prod share pool 'a100'" in (
        capsys.readouterr().out
    )


def test_default_stacks_have_no_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["expect", str(STACKS_DIR / "Pulumi.lesson1.yaml"), "--json"]) == 0
    assert "scenarios" not in json.loads(capsys.readouterr().out)


def test_fleet_check_prints_the_teams(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(STACKS_DIR / "Pulumi.lesson1-kai.yaml")]) == 0
    out = capsys.readouterr().out
    assert "teams (kai)" in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 5}
    assert [cell.strip() for cell in rows["prod"].split("│")[2:7]] == [
        "8",
        "8",
        "0",
        "any idle",
        "1000",
    ]
