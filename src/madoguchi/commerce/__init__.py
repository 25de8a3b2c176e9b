"""The shop's order system, reached through one connector interface (a demo store, or a shop's HTTP API)."""
