"""Pulumi ComponentResources that build a fake GPU fleet from a `fleet.stack.spec.FleetSpec`."""
