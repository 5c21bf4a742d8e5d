"""The value types every check takes and returns.

They are frozen dataclasses so a decision or a recipient can be logged, compared in
tests and cached without anyone mutating it behind the gate's back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import FrozenSet, Optional, Tuple

ALL_WEEKDAYS: FrozenSet[int] = frozenset(range(7))

CHANNELS = ("sms", "voice", "voicemail")
KINDS = ("reply", "outbound", "confirmation")
STATUSES = ("cease", "attorney", "bankruptcy", "deceased", "dispute", "wrong_number")


@dataclass(frozen=True)
class Reason:
    """Why a message was stopped: the rule's dotted name and what matched."""

    rule: str
    match: str = ""


@dataclass(frozen=True)
class Decision:
    """The one answer every check gives.

    `status` is "allowed", "blocked" (never send this) or "deferred" (send it later, at
    `next_allowed_at` or after). `missing` lists required content the text lacks.
    """

    status: str
    reasons: Tuple[Reason, ...] = ()
    next_allowed_at: Optional[datetime] = None
    missing: Tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.status == "allowed"

    @classmethod
    def allow(cls) -> Decision:
        return _ALLOWED

    @classmethod
    def block(cls, *reasons: Reason, missing: Tuple[str, ...] = ()) -> Decision:
        return cls("blocked", tuple(reasons), None, missing)

    @classmethod
    def defer(cls, until: Optional[datetime], *reasons: Reason) -> Decision:
        return cls("deferred", tuple(reasons), until, ())

    def as_dict(self) -> dict:
        """JSON-friendly form (for logs, evidence and the CLI)."""
        return {
            "status": self.status,
            "allowed": self.allowed,
            "reasons": [{"rule": r.rule, "match": r.match} for r in self.reasons],
            "next_allowed_at": self.next_allowed_at.isoformat() if self.next_allowed_at else None,
            "missing": list(self.missing),
        }


_ALLOWED = Decision("allowed")


@dataclass(frozen=True)
class InconvenientTime:
    """A local time span the debtor said is inconvenient; `end < start` wraps midnight.

    `weekdays` (Monday = 0) are the days on which the span *starts*.
    """

    start: time
    end: time
    weekdays: FrozenSet[int] = ALL_WEEKDAYS
    note: str = ""


@dataclass(frozen=True)
class Recipient:
    """Everything the gate needs to know about the person a message goes to."""

    account_id: str
    debt_id: str
    phones: Tuple[str, ...]
    address_zones: Tuple[str, ...] = ()
    language: str = "en"
    verified: bool = False
    opted_out: FrozenSet[str] = frozenset()
    statuses: FrozenSet[str] = frozenset()
    inconvenient: Tuple[InconvenientTime, ...] = ()
    mini_miranda_given: bool = False
    display_name: str = ""
    # issue 13: creditor names the disclosure guard looks for (item 5)
    creditors: Tuple[str, ...] = ()
    # the account's US state or region code ("MA", "NYC"): selects state caps (item 7)
    state: str = ""
    # consents on file ("artificial_voice": prior express consent to prerecorded/AI calls)
    consents: FrozenSet[str] = frozenset()
    # the debt is past the statute of limitations (Debt.time_barred): no suit threats,
    # the disclosure, and no revival offers where the state says a payment revives it
    time_barred: bool = False
    # numbers at the debtor's place of work, and whether contact there is prohibited (the
    # employer forbids it, or the debtor said work is an inconvenient place): Reg F
    # 1006.6(b)(3) and (b)(1)
    work_phones: Tuple[str, ...] = ()
    employer_prohibits: bool = False


@dataclass(frozen=True)
class ContactRecord:
    """One past contact attempt, as the caps count them."""

    at: datetime
    channel: str
    debt_id: str
    number: str
    outcome: str
    initiated_by: str = "collector"


@dataclass(frozen=True)
class OutgoingMessage:
    """A text someone wants to send; `kind` says whether it is a new contact attempt."""

    text: str
    channel: str
    kind: str = "reply"
    sender: str = "bot"
    # the natural person a voicemail names for the call-back (12 CFR 1006.2(j))
    caller_name: str = ""
    # a call (or voicemail) in an artificial or prerecorded voice (TTS): TCPA consent applies
    artificial_voice: bool = False
    # required items (by name) already said earlier in the same communication: a call is
    # one communication, so what its earlier turns said is not repeated in every turn
    given: Tuple[str, ...] = ()


@dataclass(frozen=True)
class WindowResult:
    """Whether `at` is inside the contact window in every possible zone."""

    allowed: bool
    zones: Tuple[str, ...]
    next_allowed_at: Optional[datetime] = None
    reasons: Tuple[Reason, ...] = field(default=())
