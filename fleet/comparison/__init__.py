"""Comparing schedulers on one trace: the figures of an observed replay that tell them apart
(time to admission, GPU occupancy, stranded GPUs, gang wait, quota fairness) and the
rows `make bench-schedulers` writes. It may import `fleet.replay`, `fleet.trace` and
the packages below them. See docs/schedulers.md, "Comparing schedulers".
"""
