"""The e2e session: one kwokctl control plane for every test, torn down at the end.

The Pulumi engine, its kubernetes and command providers and run.ai's
fake-gpu-operator cannot be built from the registries this tier may use, so the
session runs the fallback path (the stack's objects created with the kubernetes
client, GPUs advertised by a labelled stand-in) and reports each missing piece as
BLOCKED, with the registry's answer, at the end of the run. Blocked pieces are
never counted as passes (`make e2e E2E_STRICT=1` fails on them, in its tool step).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e import steps, tools
from e2e.fleet_up import Fleet, fleet_on_kwok

STACK = Path(__file__).parent / "stacks" / "Pulumi.e2e-lesson1.yaml"
_session: dict[str, bool] = {"used": False}


@pytest.fixture(scope="session")
def fleet() -> Iterator[Fleet]:
    """The lesson-1 fleet on a fresh kwokctl cluster (deleted after the session)."""
    _session["used"] = True
    with fleet_on_kwok(STACK) as running:
        yield running


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Step durations, then every blocked piece in red: never a silent skip."""
    if not _session["used"]:
        return
    reporter = terminalreporter
    reporter.section("e2e steps")
    for line in steps.summary_lines():
        reporter.line(line)
    reporter.section("e2e BLOCKED (not run, not counted as passed)", red=True, bold=True)
    reports = tools.blocked_reports()
    for report in reports:
        module = report.module
        state = "BLOCKED" if report.error else "AVAILABLE (not used yet)"
        reporter.line(f"{state}: {module.what} {module.module}@{module.version}", red=True)
        reporter.line(f"    needed for: {module.needed_for}")
        if report.error:
            reporter.line(f"    registry: {report.error}")
    reporter.line(
        "Not run because of the above: pulumi up/preview/destroy of the e2e stack, the "
        "lifecycle (grow, shrink, idempotent re-run) through the engine, the kind stand-in, "
        "and the real operator's advertisement. The objects were created with the kubernetes "
        "client and the GPUs advertised by e2e/gpu_advertiser.py, a STAND-IN.",
        yellow=True,
    )
