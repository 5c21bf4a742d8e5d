"""Dialogue helpers shared by the Rasa policies and the custom actions."""
