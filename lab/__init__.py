"""The lab: what `make demo`, the e2e and kind tiers and the benchmarks share.

It builds the tools (control plane, Pulumi engine and plugins, the operator's
commands, kind images), starts a throwaway control plane and the host processes
that stand in for in-cluster controllers, drives the real engine through the
Automation API, and waits for what the fleet should become. It may import `fleet`
(never `components`, `tests` or `benchmarks`); docs/architecture.md has the map.
"""
