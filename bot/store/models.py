"""The tables, as SQLAlchemy declarative models.

Money is `Numeric(14, 2)` (Decimal in Python, never float); instants are `UTCDateTime`
(aware UTC on both backends). Identity-verification answers are never stored: accounts
carry only HMAC-SHA256 keyed hashes of them (see `bot.store.identity`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import FrozenSet, List, Optional

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import declarative_base, relationship

from bot.store.types import JSONText, Money, UTCDateTime

# Stable constraint names, so Alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING))

ACCOUNT_STATUSES = ("cease", "attorney", "bankruptcy", "deceased", "dispute", "paid_claim", "hardship")
CONTACT_STATUSES = ("sent", "delivered", "failed", "blocked", "deferred", "received", "answered",
                    "voicemail", "no_answer",
                    # a line said / heard inside a call: transcript, not a contact attempt
                    # (the call has its own row, so caps count one record per call)
                    "spoken", "heard")
CALL_OUTCOMES = ("answered", "voicemail", "no_answer", "busy", "failed", "hung_up_early")
OPTOUT_CHANNELS = ("sms", "voice", "all")
OPTOUT_SOURCES = ("keyword", "nlu", "agent", "import")
ARRANGEMENT_KINDS = ("promise", "plan", "settlement")
ARRANGEMENT_STATUSES = ("proposed", "accepted", "kept", "broken", "cancelled")
HANDOFF_STATUSES = ("queued", "claimed", "resolved")


class Account(Base):
    __tablename__ = "accounts"

    account_id: str = Column(String(64), primary_key=True)
    name: str = Column(String(200), nullable=False)
    language: str = Column(String(2), nullable=False, default="en")
    timezone: Optional[str] = Column(String(64))
    pack: str = Column(String(8), nullable=False, default="us")
    # US state or region code ("MA", "NYC"): selects the pack's state caps (migration 0005)
    state: Optional[str] = Column(String(8))
    creditor: Optional[str] = Column(String(200))
    risk_tier: str = Column(String(8), nullable=False, default="low")
    dob_hash: Optional[str] = Column(String(64))
    id_last4_hash: Optional[str] = Column(String(64))
    zip_hash: Optional[str] = Column(String(64))
    mini_miranda_at: Optional[datetime] = Column(UTCDateTime)
    # the debtor's employer forbids them taking collection contact at work, or they said
    # work is an inconvenient place (Reg F 1006.6(b)(3), (b)(1)): no contact on work phones
    employer_prohibits: bool = Column(Boolean, nullable=False, server_default=false())
    created_at: datetime = Column(UTCDateTime, nullable=False)
    updated_at: datetime = Column(UTCDateTime, nullable=False)

    phones: List[Phone] = relationship(
        "Phone", back_populates="account", order_by="Phone.kind.desc(), Phone.id",
        cascade="all, delete-orphan")
    debts: List[Debt] = relationship("Debt", back_populates="account", order_by="Debt.id",
                                       cascade="all, delete-orphan")
    status_records: List[AccountStatus] = relationship(
        "AccountStatus", order_by="AccountStatus.id", cascade="all, delete-orphan")

    @property
    def statuses(self) -> FrozenSet[str]:
        """The statuses currently in force (cease, attorney, dispute ...)."""
        return frozenset(r.status for r in self.status_records if r.active)


class Phone(Base):
    __tablename__ = "phones"
    __table_args__ = (UniqueConstraint("account_id", "kind"), Index(None, "e164"))

    id: int = Column(Integer, primary_key=True)
    account_id: str = Column(String(64), ForeignKey("accounts.account_id", ondelete="CASCADE"),
                             nullable=False)
    e164: str = Column(String(20), nullable=False)
    kind: str = Column(String(8), nullable=False, default="primary")  # primary | alt
    zones: list = Column(JSONText, nullable=False, default=list)
    wrong_number: bool = Column(Boolean, nullable=False, default=False)
    # a number at the debtor's place of work (the debtor or an agent said so)
    work: bool = Column(Boolean, nullable=False, server_default=false())

    account: Account = relationship("Account", back_populates="phones")


class Debt(Base):
    __tablename__ = "debts"
    __table_args__ = (UniqueConstraint("account_id", "ref"),)

    id: int = Column(Integer, primary_key=True)
    account_id: str = Column(String(64), ForeignKey("accounts.account_id", ondelete="CASCADE"),
                             nullable=False)
    ref: str = Column(String(64), nullable=False, default="portfolio")
    principal: Decimal = Column(Money(), nullable=False)
    interest: Decimal = Column(Money(), nullable=False, default=Decimal("0"))
    fees: Decimal = Column(Money(), nullable=False, default=Decimal("0"))
    balance: Decimal = Column(Money(), nullable=False)
    currency: str = Column(String(3), nullable=False)
    due_date: Optional[date] = Column(Date)
    days_past_due: int = Column(Integer, nullable=False, default=0)
    time_barred: bool = Column(Boolean, nullable=False, default=False)
    status: str = Column(String(16), nullable=False, default="open")  # open | paid | closed
    updated_at: datetime = Column(UTCDateTime, nullable=False)

    account: Account = relationship("Account", back_populates="debts")


class ContactAttempt(Base):
    __tablename__ = "contact_attempts"
    __table_args__ = (Index(None, "account_id", "at"),)

    id: int = Column(Integer, primary_key=True)
    account_id: str = Column(String(64), ForeignKey("accounts.account_id", ondelete="CASCADE"),
                             nullable=False)
    debt_id: Optional[int] = Column(Integer, ForeignKey("debts.id", ondelete="SET NULL"))
    channel: str = Column(String(8), nullable=False)      # sms | voice
    direction: str = Column(String(8), nullable=False)    # outbound | inbound
    at: datetime = Column(UTCDateTime, nullable=False)
    to_number: str = Column(String(32), nullable=False, default="")
    from_number: str = Column(String(32), nullable=False, default="")
    status: str = Column(String(16), nullable=False)
    reasons: list = Column(JSONText, nullable=False, default=list)
    text: str = Column(Text, nullable=False, default="")
    provider_sid: Optional[str] = Column(String(64), unique=True)
    error_code: Optional[str] = Column(String(16))
    updated_at: Optional[datetime] = Column(UTCDateTime)
    #: a call's outcome (CALL_OUTCOMES) from Twilio's status callback and AnsweredBy;
    #: "answered" is set when we end the call, so a caller's hang-up shows as hung_up_early
    call_outcome: Optional[str] = Column(String(16))


class OptOut(Base):
    __tablename__ = "optouts"
    __table_args__ = (Index(None, "phone", "channel", "active"),)

    id: int = Column(Integer, primary_key=True)
    account_id: Optional[str] = Column(String(64), ForeignKey("accounts.account_id",
                                                               ondelete="SET NULL"))
    phone: str = Column(String(20), nullable=False)
    channel: str = Column(String(8), nullable=False)   # sms | voice | all
    source: str = Column(String(8), nullable=False)    # keyword | nlu | agent | import
    at: datetime = Column(UTCDateTime, nullable=False)
    active: bool = Column(Boolean, nullable=False, default=True)
    removed_at: Optional[datetime] = Column(UTCDateTime)
    removed_source: Optional[str] = Column(String(8))


class Consent(Base):
    """Prior express consent to be contacted on a number (given, or withdrawn)."""

    __tablename__ = "consents"
    __table_args__ = (Index(None, "phone", "channel"),)

    id: int = Column(Integer, primary_key=True)
    account_id: Optional[str] = Column(String(64), ForeignKey("accounts.account_id",
                                                               ondelete="CASCADE"))
    phone: str = Column(String(20), nullable=False)
    channel: str = Column(String(8), nullable=False)
    source: str = Column(String(16), nullable=False)
    at: datetime = Column(UTCDateTime, nullable=False)
    active: bool = Column(Boolean, nullable=False, default=True)


class AccountStatus(Base):
    __tablename__ = "account_statuses"
    __table_args__ = (Index(None, "account_id", "active"),)

    id: int = Column(Integer, primary_key=True)
    account_id: str = Column(String(64), ForeignKey("accounts.account_id", ondelete="CASCADE"),
                             nullable=False)
    status: str = Column(String(16), nullable=False)
    note: str = Column(Text, nullable=False, default="")
    at: datetime = Column(UTCDateTime, nullable=False)
    active: bool = Column(Boolean, nullable=False, default=True)


class InconvenientTime(Base):
    __tablename__ = "inconvenient_times"

    id: int = Column(Integer, primary_key=True)
    account_id: str = Column(String(64), ForeignKey("accounts.account_id", ondelete="CASCADE"),
                             nullable=False, index=True)
    start: time = Column(Time, nullable=False)
    end: time = Column(Time, nullable=False)
    weekdays: str = Column(String(7), nullable=False, default="0123456")  # Monday = 0
    note: str = Column(Text, nullable=False, default="")
    at: datetime = Column(UTCDateTime, nullable=False)


class Verification(Base):
    __tablename__ = "verifications"
    __table_args__ = (Index(None, "account_id", "phone", "at"),)

    id: int = Column(Integer, primary_key=True)
    account_id: str = Column(String(64), ForeignKey("accounts.account_id", ondelete="CASCADE"),
                             nullable=False)
    phone: str = Column(String(20), nullable=False)
    at: datetime = Column(UTCDateTime, nullable=False)


class Arrangement(Base):
    __tablename__ = "arrangements"

    id: int = Column(Integer, primary_key=True)
    account_id: str = Column(String(64), ForeignKey("accounts.account_id", ondelete="CASCADE"),
                             nullable=False, index=True)
    debt_id: Optional[int] = Column(Integer, ForeignKey("debts.id", ondelete="SET NULL"))
    kind: str = Column(String(16), nullable=False)
    total: Decimal = Column(Money(), nullable=False)
    currency: str = Column(String(3), nullable=False)
    status: str = Column(String(16), nullable=False, default="accepted")
    created_at: datetime = Column(UTCDateTime, nullable=False)

    installments: List[Installment] = relationship(
        "Installment", order_by="Installment.seq", cascade="all, delete-orphan",
        back_populates="arrangement")


class Installment(Base):
    __tablename__ = "installments"
    __table_args__ = (UniqueConstraint("arrangement_id", "seq"),)

    id: int = Column(Integer, primary_key=True)
    arrangement_id: int = Column(Integer, ForeignKey("arrangements.id", ondelete="CASCADE"),
                                 nullable=False)
    seq: int = Column(Integer, nullable=False)
    due_date: date = Column(Date, nullable=False)
    amount: Decimal = Column(Money(), nullable=False)
    status: str = Column(String(8), nullable=False, default="due")  # due | paid | missed

    arrangement: Arrangement = relationship("Arrangement", back_populates="installments")


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (Index(None, "status", "created_at"),)

    id: int = Column(Integer, primary_key=True)
    account_id: str = Column(String(64), ForeignKey("accounts.account_id", ondelete="CASCADE"),
                             nullable=False)
    reason: str = Column(String(64), nullable=False)
    conversation_id: Optional[str] = Column(String(64))
    status: str = Column(String(16), nullable=False, default="queued")
    agent: Optional[str] = Column(String(64))
    created_at: datetime = Column(UTCDateTime, nullable=False)
    claimed_at: Optional[datetime] = Column(UTCDateTime)
    resolved_at: Optional[datetime] = Column(UTCDateTime)


class EvidenceRecord(Base):
    """One link of the evidence hash chain (never updated or deleted by the code)."""

    __tablename__ = "evidence"

    id: int = Column(Integer, primary_key=True)
    seq: int = Column(Integer, nullable=False, unique=True)
    kind: str = Column(String(32), nullable=False)
    at: datetime = Column(UTCDateTime, nullable=False)
    account_id: Optional[str] = Column(String(64), index=True)
    payload: str = Column(Text, nullable=False)          # canonical JSON text
    prev_hash: str = Column(String(64), nullable=False, unique=True)
    hash: str = Column(String(64), nullable=False, unique=True)


class ProcessedMessage(Base):
    """A provider message id already handled (webhook retries are idempotent)."""

    __tablename__ = "processed_messages"

    sid: str = Column(String(64), primary_key=True)
    at: datetime = Column(UTCDateTime, nullable=False)


# --- message pipeline (inbox / outbox) ---
INBOX_STATUSES = ("pending", "claimed", "done", "failed")
OUTBOX_STATUSES = ("pending", "claimed", "sent", "failed")


class QueuedWork:
    """The columns `bot.store.queue` claims by: state, retries and the claim's lease."""

    status: str = Column(String(16), nullable=False, default="pending")
    attempts: int = Column(Integer, nullable=False, default=0)
    next_attempt_at: datetime = Column(UTCDateTime, nullable=False)
    lease_until: Optional[datetime] = Column(UTCDateTime)
    claimed_by: Optional[str] = Column(String(64))
    last_error: Optional[str] = Column(Text)


class InboxMessage(QueuedWork, Base):
    """An inbound message accepted by a webhook and not yet (or already) answered.

    The webhook's only write: processing happens later, in per-conversation order, by
    whichever worker claims the row (`lease_until` lets a restart resume a claimed row)."""

    __tablename__ = "inbox"
    __table_args__ = (Index(None, "conversation_id", "id"), Index(None, "status", "next_attempt_at"))

    id: int = Column(Integer, primary_key=True)
    sid: str = Column(String(64), nullable=False, unique=True)
    channel: str = Column(String(16), nullable=False, default="sms")
    conversation_id: str = Column(String(64), nullable=False)
    from_number: str = Column(String(32), nullable=False)
    to_number: str = Column(String(32), nullable=False)
    body: str = Column(Text, nullable=False)
    received_at: datetime = Column(UTCDateTime, nullable=False)
    # + the QueuedWork columns
    done_at: Optional[datetime] = Column(UTCDateTime)


class OutboxMessage(QueuedWork, Base):
    """A screened text waiting for (or done with) its send, in per-conversation `seq` order."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"),
                      Index(None, "status", "next_attempt_at"))

    id: int = Column(Integer, primary_key=True)
    conversation_id: str = Column(String(64), nullable=False)
    seq: int = Column(Integer, nullable=False)
    channel: str = Column(String(16), nullable=False, default="sms")
    to_number: str = Column(String(32), nullable=False)
    from_number: str = Column(String(32), nullable=False)
    body: str = Column(Text, nullable=False)
    account_id: Optional[str] = Column(String(64))
    debt_id: Optional[str] = Column(String(64))
    inbox_id: Optional[int] = Column(Integer)
    # + the QueuedWork columns
    provider_sid: Optional[str] = Column(String(64))
    created_at: datetime = Column(UTCDateTime, nullable=False)
    sent_at: Optional[datetime] = Column(UTCDateTime)
# --- campaigns, payments and risk tiers (issue 11) ---
class Payment(Base):
    """One payment received (imported from the creditor's file); `reference` is unique."""

    __tablename__ = "payments"

    id: int = Column(Integer, primary_key=True)
    account_id: str = Column(String(64), ForeignKey("accounts.account_id", ondelete="CASCADE"),
                             nullable=False, index=True)
    amount: Decimal = Column(Money(), nullable=False)
    currency: str = Column(String(3), nullable=False)
    paid_at: datetime = Column(UTCDateTime, nullable=False)
    reference: str = Column(String(128), nullable=False, unique=True)
    arrangement_id: Optional[int] = Column(Integer, ForeignKey("arrangements.id",
                                                               ondelete="SET NULL"))
    imported_at: datetime = Column(UTCDateTime, nullable=False)


CAMPAIGN_SEND_STATUSES = ("pending", "sending", "sent", "failed", "deferred", "blocked",
                          "unknown", "handoff", "expired")


class CampaignSend(Base):
    """The campaign ledger: one row per (account, step, local day), written before the send.

    The unique key makes a second dispatcher (or a rerun after a crash) unable to plan the
    same message again; a row left in `sending` after a crash is reported, never resent.
    """

    __tablename__ = "campaign_sends"
    __table_args__ = (UniqueConstraint("account_id", "step_key", "local_day"),
                      Index(None, "status", "next_attempt_at"))

    id: int = Column(Integer, primary_key=True)
    account_id: str = Column(String(64), ForeignKey("accounts.account_id", ondelete="CASCADE"),
                             nullable=False)
    campaign: str = Column(String(64), nullable=False)
    step_key: str = Column(String(128), nullable=False)   # campaign/step[/arrangement]
    local_day: date = Column(Date, nullable=False)
    channel: str = Column(String(8), nullable=False)      # sms | voice | handoff
    status: str = Column(String(16), nullable=False, default="pending")
    reasons: list = Column(JSONText, nullable=False, default=list)
    next_attempt_at: datetime = Column(UTCDateTime, nullable=False)
    expires_at: datetime = Column(UTCDateTime, nullable=False)
    attempts: int = Column(Integer, nullable=False, default=0)
    claimed_by: Optional[str] = Column(String(64))
    claimed_at: Optional[datetime] = Column(UTCDateTime)
    created_at: datetime = Column(UTCDateTime, nullable=False)
    updated_at: datetime = Column(UTCDateTime, nullable=False)
# --- console (agents, their sessions, handoff routing) ---
AGENT_ROLES = ("agent", "supervisor")
HANDOFF_OUTCOMES = ("resolved", "handed_back")


class Agent(Base):
    """A person who works handoffs in the console (password stored only as an argon2 hash)."""

    __tablename__ = "agents"

    id: int = Column(Integer, primary_key=True)
    name: str = Column(String(64), nullable=False, unique=True)
    role: str = Column(String(16), nullable=False, default="agent")
    languages: list = Column(JSONText, nullable=False, default=list)
    packs: list = Column(JSONText, nullable=False, default=list)
    skills: list = Column(JSONText, nullable=False, default=list)
    capacity: int = Column(Integer, nullable=False, default=3)
    password_hash: str = Column(String(255), nullable=False)
    active: bool = Column(Boolean, nullable=False, default=True)
    failed_logins: int = Column(Integer, nullable=False, default=0)
    locked_until: Optional[datetime] = Column(UTCDateTime)
    created_at: datetime = Column(UTCDateTime, nullable=False)


class ConsoleSession(Base):
    """A logged-in browser: only the SHA-256 of its cookie token is stored."""

    __tablename__ = "console_sessions"

    token_hash: str = Column(String(64), primary_key=True)
    agent_id: int = Column(Integer, ForeignKey("agents.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    csrf: str = Column(String(64), nullable=False)
    created_at: datetime = Column(UTCDateTime, nullable=False)
    last_seen: datetime = Column(UTCDateTime, nullable=False)
    expires_at: datetime = Column(UTCDateTime, nullable=False)


class HandoffRouting(Base):
    """What the console needs to route a handoff: priority, the queue it matches, its SLA."""

    __tablename__ = "handoff_routing"

    handoff_id: int = Column(Integer, ForeignKey("handoffs.id", ondelete="CASCADE"),
                             primary_key=True)
    priority: int = Column(Integer, nullable=False)
    language: str = Column(String(2), nullable=False)
    pack: str = Column(String(8), nullable=False)
    skill: Optional[str] = Column(String(32))
    due_at: datetime = Column(UTCDateTime, nullable=False)
    assigned_at: Optional[datetime] = Column(UTCDateTime)
    intents: list = Column(JSONText, nullable=False, default=list)
    outcome: Optional[str] = Column(String(16))
    call_sid: Optional[str] = Column(String(64))
