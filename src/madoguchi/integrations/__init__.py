"""Connecting other systems: API tokens for the REST API, and webhooks that tell them what happened."""
