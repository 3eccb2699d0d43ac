"""Job traces: the CSV format (docs/replay.md), seeded generators sized from a fleet, and
the importer of the Alibaba cluster-trace-gpu-v2023 layout. It may import `fleet.imports`,
`fleet.stack` and `fleet.files`.
"""
