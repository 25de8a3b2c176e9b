"""The e-mail channel: tickets from inbound SMTP, replies through the outbox (docs/architecture.md, E-mail)."""
