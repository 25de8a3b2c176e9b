"""Routing: which desk owns a need, how urgent it is, and whether a person takes over."""
