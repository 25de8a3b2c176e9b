"""Operators: log-in, sessions and what they may do."""
