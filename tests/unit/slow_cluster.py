"""A cluster for the pool provider inside a real `python -m pulumi.dynamic` server (a
child process): the in-memory API server, answering one request at a time after a
pause, so that a pool of a few thousand nodes takes minutes unless it is stopped."""

import time

from fleet.cluster.node_api import Control, KubeNodeApi
from tests.unit.fake_apiserver import FakeApiServer, Fault

PAUSE = 0.02


def _pause(number: int, method: str, path: str) -> Fault | None:
    time.sleep(PAUSE)
    return None


def slow_connect(kubeconfig: str | None, context: str | None, control: Control) -> KubeNodeApi:
    """A NodeApi (the pool's `connect`) over a fresh slow fake API server."""
    return KubeNodeApi(FakeApiServer(before=_pause), control, "https://fake")
