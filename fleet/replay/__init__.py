"""Replaying a trace: the prediction (a discrete-event model of the default scheduler's
filters), the Jobs a replay creates, the driver and the observed timeline, and the
figures both give. It may import `fleet.trace`, `fleet.schedulers` (how a team's Job
joins its queue), `fleet.render`, `fleet.stack` and `fleet.files`. See docs/replay.md.
"""
