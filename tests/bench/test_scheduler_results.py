"""The write-up of `make bench-schedulers` states the figures of its results file."""

import json
from pathlib import Path

from fleet.comparison.rows import Row, markdown_table

RESULTS = Path(__file__).parents[2] / "benchmarks" / "results"


def test_the_schedulers_table_is_the_one_its_results_file_gives() -> None:
    rows: list[Row] = json.loads((RESULTS / "schedulers.json").read_text())
    text = (RESULTS / "schedulers.md").read_text().splitlines()
    start = text.index(markdown_table(rows)[0])
    stated = text[start : start + len(markdown_table(rows))]
    assert stated == markdown_table(rows)
