"""The engine's cancel reaches every pool however many are in flight: the SDK's real
dynamic-provider server (`python -m pulumi.dynamic`, a child process, 4 workers) runs
six pool creates at once, each of which would take minutes, and is sent Cancel as the
engine sends it on the first Ctrl-C. Every create must stop within seconds."""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.dynamic.dynamic import PROVIDER_KEY, serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components.node_pool_provider import NodePoolProvider
from tests.paths import ROOT
from tests.unit.slow_cluster import slow_connect
from tests.unit.test_node_pool_provider import props

POOLS = 6  # more than the server's 4 workers
NODES = 3_000  # 6,000 requests at 50 per second: two minutes a pool if nothing stops it
STOPPED_WITHIN = 5.0  # seconds after the Cancel


@pytest.fixture
def server() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """The SDK's dynamic-provider server as the engine starts it; a stub talking to it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi.dynamic"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        process.kill()
        process.wait()


def inputs(pool: str) -> struct_pb2.Struct:
    """A pool's inputs on the wire, with the provider serialized as the SDK does."""
    pool_props: dict[str, Any] = {**props(NODES), "poolName": pool}
    pool_props[PROVIDER_KEY] = serialize_provider(NodePoolProvider(slow_connect))
    loop = asyncio.new_event_loop()  # not asyncio.run: it would unset the tests' loop
    try:
        wire = loop.run_until_complete(rpc.serialize_properties(pool_props, {}))
    finally:
        loop.close()
    assert isinstance(wire, struct_pb2.Struct)
    return wire


def test_a_cancel_stops_six_pool_creates_on_a_four_worker_server(
    server: provider_pb2_grpc.ResourceProviderStub,
) -> None:
    urns = {f"p{i}": f"urn:pulumi:s::p::gpu-fleet:index:NodePool::p{i}" for i in range(POOLS)}
    server.Configure(provider_pb2.ConfigureRequest())
    wires = {pool: inputs(pool) for pool in urns}
    for pool, urn in urns.items():
        server.Check(provider_pb2.CheckRequest(urn=urn, olds=struct_pb2.Struct(), news=wires[pool]))
    creates = [
        server.Create.future(provider_pb2.CreateRequest(urn=urn, properties=wires[pool]))
        for pool, urn in urns.items()
    ]
    time.sleep(2.0)  # every create under way (or queued for a worker)
    assert not any(create.done() for create in creates), "a pool finished before the cancel"
    sent = time.monotonic()
    cancel = server.Cancel.future(empty_pb2.Empty())
    while time.monotonic() < sent + STOPPED_WITHIN and not all(c.done() for c in creates):
        time.sleep(0.05)
    took = time.monotonic() - sent
    running = sum(not create.done() for create in creates)
    assert running == 0, f"{running} of {POOLS} pool creates still run {took:.1f} s after Cancel"
    assert cancel.done()
    for create in creates:
        error = create.exception()
        assert isinstance(error, grpc.RpcError)
        assert "create stopped: cancelled" in error.details()
    print(f"  {POOLS} pool creates stopped {took:.2f} s after the Cancel")
