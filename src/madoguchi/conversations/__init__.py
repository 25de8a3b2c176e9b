"""Conversations and their messages: the only place that writes them."""
