"""Pulumi ComponentResources that build a fake GPU fleet from a `fleet.spec.FleetSpec`."""
