"""Custom actions for the collectbot assistant (run by the rasa-sdk action server).

Actions stay thin: they read slots, call `bot.store.repo`, `bot.negotiation` and
`compliance_filters`, and answer with domain responses. No SQL lives here.
"""
