"""Trust: identities of customers, and later official-contact checks."""
