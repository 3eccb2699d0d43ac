"""The validation report in both its forms: `markdown` (what `gpu-fleet report` prints
and writes as report.md) and `html`, one self-contained page (inline SVG charts drawn
by matplotlib in `charts`, inline CSS, no script, nothing fetched) with the fleet, the
lesson-1 workload table and a replay's timeline, predicted beside observed;
`telemetry_section` adds an evidence folder's GPU telemetry rows to both. It may import
`fleet.evidence`, `fleet.telemetry`, `fleet.comparison`, `fleet.replay`, `fleet.trace`,
`fleet.stack` and `fleet.files`, and the packages below them.
"""
