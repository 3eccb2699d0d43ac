"""The write-up of `make bench-replay` (benchmarks/results/replay.md) quotes its results file:
its tables are the ones benchmarks/replay_table.py makes from benchmarks/results/replay.json."""

import json

from benchmarks.replay_table import RESULTS, cpu_table, table


def test_the_write_up_holds_the_tables_of_the_results_file() -> None:
    document = json.loads(RESULTS.read_text())
    write_up = (RESULTS.parent / "replay.md").read_text()
    # Runs are written as they finish: a bench stopped early holds fewer than it was asked.
    assert 1 <= len(document["runs"]) <= document["conditions"]["runs"]
    assert table(document) in write_up
    assert cpu_table(document) in write_up
