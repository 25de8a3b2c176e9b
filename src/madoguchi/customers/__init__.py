"""Customers: signed in through the shop's identity token, or anonymous visitors."""
