"""Compliant Twilio channels: every word in or out passes through `outbox.screen`.

Rasa's built-in Twilio channels are subclassed (same `name()` so `output_channel=twilio`
and channel-specific responses keep working) and hardened: signature checks, idempotency,
keyword handling before NLU, the compliance gate on every send, non-blocking ordered sends.
"""
