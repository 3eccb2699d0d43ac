from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.recorded import ApiServer, evidence_of, lesson1_cluster, write_kubeconfig


@pytest.fixture
def api_server() -> Iterator[ApiServer]:
    server = ApiServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def kubeconfig(tmp_path: Path, api_server: ApiServer) -> Path:
    return write_kubeconfig(tmp_path / "kubeconfig", api_server.url)


@pytest.fixture
def lesson1_evidence(api_server: ApiServer, kubeconfig: Path, tmp_path: Path) -> Path:
    return evidence_of(lesson1_cluster(), api_server, kubeconfig, tmp_path / "ev")
