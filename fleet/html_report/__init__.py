"""The HTML report: one self-contained page (inline SVG charts drawn by matplotlib, inline
CSS, no script, nothing fetched) with the fleet, the lesson-1 workload table and a
replay's timeline, predicted beside observed. It may import `fleet.evidence`,
`fleet.replay`, `fleet.trace`, `fleet.stack` and `fleet.files`.
"""
