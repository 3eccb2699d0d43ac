"""Benchmarks that print figures; `python -m benchmarks.bench`. Nothing here asserts timings."""
