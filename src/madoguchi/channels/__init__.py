"""Channel adapters: they translate between a transport and the conversation actions, nothing more."""
