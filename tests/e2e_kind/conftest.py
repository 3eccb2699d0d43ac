"""The kind tier: a Docker engine, kind v0.32.0 and a node image built here, the product as is.

Started by `make e2e-kind`. The engine is started for the session (or the running one
is used) and stopped after it; every stack a test creates is destroyed by `make down`.
"""

from collections.abc import Iterator

import pytest

from lab import steps
from lab.kind import docker_engine, tier
from lab.kind.tier import KindTier


@pytest.fixture(scope="session")
def kind_tier() -> Iterator[KindTier]:
    with steps.step("kind tier: Docker engine"):
        engine = docker_engine.start_engine()
    try:
        yield tier.prepare()
    finally:
        with steps.step("kind tier: stop the Docker engine it started"):
            engine.stop()
        print("\n".join(["== kind tier timeline", *steps.summary_lines()]), flush=True)
