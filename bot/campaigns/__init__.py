"""Outbound campaigns: definitions as data (*.yml here), planning, and the dispatcher."""
