"""The month: staged in DuckDB (stage), reconciled (reconcile), rostered (rosters), accounted for
(manifest) and published whole (publish)."""
