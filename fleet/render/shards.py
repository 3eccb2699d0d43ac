"""Which KWOK controller looks after which fake node.

Each node carries `SHARD_LABEL` with its shard's number, and each controller
manages the nodes whose label selects its number, so the shards are disjoint
and together cover the fleet. The shard of a node is chosen by rendezvous
hashing of its name: every shard number gets a score for the node and the
highest wins. It depends on nothing but the name and the number of shards,
and when the fleet grows by one shard, only the nodes the new shard wins move
(about one in N+1); no node moves between the old shards.
"""

import hashlib

SHARD_LABEL = "gpu-fleet.dev/kwok-shard"


def _score(node: str, shard: int) -> int:
    digest = hashlib.blake2b(f"{shard}/{node}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def shard_of(node: str, shards: int) -> int:
    """The shard (0 to `shards` - 1) whose controller manages `node`."""
    if shards < 1:
        raise ValueError(f"a fleet has at least one KWOK shard, got {shards}")
    return max(range(shards), key=lambda shard: _score(node, shard))


def shard_selector(shard: int) -> str:
    """The label selector of one shard's nodes."""
    return f"{SHARD_LABEL}={shard}"
