"""The dialogue engine: answers from the help centre, acts on orders, hands over with what it learned."""
