"""The hardship status's lifetime (bot/negotiation/hardship.py): 90 days, never ending
before the policy's pause plus 30 days."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bot.negotiation import load_policy
from bot.negotiation.hardship import hardship_in_force, hardship_lifetime

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_ninety_days_when_the_pause_is_short() -> None:
    policy = load_policy("Acme Bank")  # 60-day pause
    assert hardship_lifetime(policy) == timedelta(days=90)
    assert hardship_in_force(AT, AT + timedelta(days=89, hours=23), policy)
    assert not hardship_in_force(AT, AT + timedelta(days=90), policy)


def test_a_long_pause_keeps_the_hardship_until_a_month_after_it_ends() -> None:
    policy = load_policy("Acme Bank")
    long_pause = replace(policy, hardship=replace(policy.hardship, pause_days=120))
    assert hardship_lifetime(long_pause) == timedelta(days=150)
    assert hardship_in_force(AT, AT + timedelta(days=149), long_pause)
    assert not hardship_in_force(AT, AT + timedelta(days=150), long_pause)
