"""How long a reported hardship stays in force.

"I lost my job" is a statement about the debtor's circumstances when they said it, not a
permanent trait of the account. While it is in force, proposals are weighed with the
hardship bounds (smaller payments, longer plans) and agents see "hardship" on the account.
It never expired before: a debtor who reported a job loss two years ago was still offered
hardship terms, and an agent read it as current.

The lifetime is HARDSHIP_REVIEW_DAYS (90) from the latest report, a quarter: the usual
review interval for a hardship arrangement, long enough not to make a debtor repeat a
painful story in every conversation of a bad spell, short enough that the terms follow
their situation. It never ends before the policy's pause has run out plus
AFTER_PAUSE_DAYS (30), so when collection resumes after a pause (60 days for acme_bank.yml)
the first conversations still know about the hardship. A new report (or an accepted
pause) starts a new lifetime. Pure: the caller passes the times in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.negotiation.policy import Policy

HARDSHIP_REVIEW_DAYS = 90
AFTER_PAUSE_DAYS = 30


def hardship_lifetime(policy: Policy) -> timedelta:
    """How long a hardship report counts under `policy`."""
    return timedelta(days=max(HARDSHIP_REVIEW_DAYS, policy.hardship.pause_days + AFTER_PAUSE_DAYS))


def hardship_in_force(reported_at: datetime, now: datetime, policy: Policy) -> bool:
    """Is a hardship reported at `reported_at` still in force at `now`?"""
    return now - reported_at < hardship_lifetime(policy)
