"""GPU telemetry: what Prometheus scrapes from the operator's exporter, derives, alerts on.

`gpu_model` holds the model that turns utilization into the DCGM fields the operator
does not fake (temperature, power, SM clock, tensor activity, XID errors), `rules`
renders it with the alerts as Prometheus rule groups, `scrape` the scrape of the
operator's KWOK exporter, `cluster` the chart values or ServiceMonitor a cluster gets,
`dashboard` builds the shipped dashboard and reads its queries, `prometheus_api` asks a
Prometheus server instant queries, `snapshot` records what the evidence keeps and
`checks` turns it into the report's telemetry rows. It may import `fleet.render` (the
Helm values merge), `fleet.stack` and `fleet.files` only. See docs/telemetry.md.
"""
