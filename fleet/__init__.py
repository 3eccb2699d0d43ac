"""The fake GPU fleet, as pure Python: spec, catalog, manifests, expectations, evidence."""
