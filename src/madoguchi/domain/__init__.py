"""Rules that need no I/O."""
