"""Repository functions: the store's vocabulary for the rest of collectbot.

Every function takes the caller's session (from `bot.store.db.session_scope()`), so a
webhook or an action decides where its transaction begins and ends. Functions that change
something a regulator may ask about (contacts, opt-outs, statuses, arrangements, handoffs,
compliance decisions) also append to the evidence log in the same transaction: the fact
and its evidence commit together or not at all.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload

from bot import clock
from bot.store import evidence, identity, raw
from bot.store.models import (
    ACCOUNT_STATUSES,
    ARRANGEMENT_KINDS,
    ARRANGEMENT_STATUSES,
    CALL_OUTCOMES,
    CONTACT_STATUSES,
    OPTOUT_CHANNELS,
    OPTOUT_SOURCES,
    Account,
    AccountStatus,
    Arrangement,
    Consent,
    ContactAttempt,
    Debt,
    Handoff,
    InconvenientTime,
    Installment,
    OptOut,
    Phone,
    ProcessedMessage,
    Verification,
)

if TYPE_CHECKING:  # compliance_filters is imported lazily: the store must load without it
    from compliance_filters import ContactRecord, Decision, Recipient

# Statuses the compliance gate understands (Recipient.statuses); paid_claim and hardship
# are kept for the agents and the negotiation, not for the gate.
GATE_STATUSES = frozenset({"cease", "attorney", "bankruptcy", "deceased", "dispute"})
#: how long a right-party verification on a number counts (`is_verified`, `recipient_for`)
VERIFIED_WITHIN = timedelta(hours=1)
# Contact statuses that were real attempts, mapped to ContactRecord outcomes.
_OUTCOMES = {"sent": "sent", "delivered": "delivered", "failed": "failed", "answered": "answered",
             "voicemail": "voicemail", "no_answer": "no_answer", "received": "conversation"}


def _check(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _debt_id(value: Union[int, str, None]) -> Optional[int]:
    if value in (None, ""):
        return None
    return int(value)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=1024)
def _redact(text: str) -> str:
    """The redacted form recorded as evidence. Cached because the same few templated
    replies are recorded for every message (redaction is pure: same text, same result),
    and running its patterns again per message was a measurable part of the send path."""
    from compliance_filters import redact

    return redact(text)


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- accounts and phones
def get_account(s: Session, account_id: str) -> Optional[Account]:
    return s.get(Account, account_id)


def find_account_by_phone(s: Session, e164: str) -> Optional[Account]:
    """The account whose primary (preferred) or alternate phone is `e164`."""
    return s.execute(
        select(Account).join(Phone, Phone.account_id == Account.account_id)
        .where(Phone.e164 == e164)
        .order_by(Phone.kind.desc(), Phone.id).limit(1)  # "primary" sorts before "alt" desc
    ).scalars().first()


def primary_debt(s: Session, account: Account) -> Optional[Debt]:
    """The open debt conversations are about: the open one with the largest balance."""
    return s.execute(
        select(Debt).where(Debt.account_id == account.account_id)
        .order_by((Debt.status == "open").desc(), Debt.balance.desc(), Debt.id).limit(1)
    ).scalars().first()


def _primary_debt_id() -> Any:
    """`primary_debt`'s id for the outer query's account, as a correlated subquery."""
    inner = aliased(Debt)
    return (select(inner.id).where(inner.account_id == Account.account_id)
            .order_by((inner.status == "open").desc(), inner.balance.desc(), inner.id)
            .limit(1).correlate(Account).scalar_subquery())


def find_account_and_debt_by_phone(s: Session, e164: str
                                   ) -> Tuple[Optional[Account], Optional[Debt]]:
    """`find_account_by_phone` and that account's `primary_debt`, in one query."""
    row = s.execute(_account_and_debt_by_phone(), {"e164": e164}).first()
    return (row[0], row[1]) if row is not None else (None, None)


@functools.cache
def _account_and_debt_by_phone() -> Any:
    """Built once: a turn runs it for every message (statement building costs CPU)."""
    from sqlalchemy import bindparam

    return (select(Account, Debt).join(Phone, Phone.account_id == Account.account_id)
            .outerjoin(Debt, Debt.id == _primary_debt_id())
            .where(Phone.e164 == bindparam("e164", type_=Phone.e164.type))
            .order_by(Phone.kind.desc(), Phone.id).limit(1))


def party_by_phone(s: Session, e164: str) -> Optional[Any]:
    """What a turn needs to know about `e164`'s account, as one plain row (account_id,
    language, timezone, pack, debt_id: `primary_debt`'s id), or None: the same account and
    debt `find_account_and_debt_by_phone` finds, without loading either as an object."""
    return raw.execute(s, _party_by_phone(), {"e164": e164}).first()


@functools.cache
def _party_by_phone() -> Any:
    """Built once: every inbound message runs it."""
    from sqlalchemy import bindparam

    return (select(Account.account_id, Account.language, Account.timezone, Account.pack,
                   _primary_debt_id().label("debt_id"))
            .join(Phone, Phone.account_id == Account.account_id)
            .where(Phone.e164 == bindparam("e164", type_=Phone.e164.type))
            .order_by(Phone.kind.desc(), Phone.id).limit(1))


@functools.cache
def _account_with_statuses_and_debt() -> Any:
    """Built once: the gate runs it for every message it screens."""
    from sqlalchemy import bindparam

    return (select(Account, Debt).outerjoin(Debt, Debt.id == _primary_debt_id())
            .where(Account.account_id == bindparam("account_id", type_=Account.account_id.type))
            .options(joinedload(Account.status_records))
            .execution_options(populate_existing=True))


def _phones(s: Session, account_id: str) -> List[Phone]:
    return list(s.execute(
        select(Phone).where(Phone.account_id == account_id).order_by(Phone.kind.desc(), Phone.id)
    ).scalars())


_LOOK_UP: Any = object()


def recipient_for(s: Session, account: Union[Account, GateAccount], number: Optional[str] = None,
                  verified: Optional[bool] = None, *, debt: Any = _LOOK_UP,
                  facts: Optional[_NumberFacts] = None) -> Recipient:
    """Everything the gate needs about `account`, contacted on `number` (default: primary).

    The contacted number comes first; other numbers follow unless flagged wrong numbers
    (a wrong number is never contacted about the account again, so it is not offered).
    Read fresh on every call (an action may have changed any of it since the last one) in
    three queries: the phones with the number's opt-outs, consents and verification and
    the account's inconvenient times in one, the primary debt, and the account's statuses
    unless they are loaded already (`load_account`). `debt` is the account's `primary_debt` when the
    caller read it in the same transaction (`load_account`); `facts` are the number's facts
    when the caller read them in the same transaction (`gate_party`, for `number`, with the
    verification window when `verified` is None).
    """
    from compliance_filters import InconvenientTime as GateInconvenient
    from compliance_filters import Recipient

    if number is None:
        phones = _phones(s, account.account_id)
        usable = [p.e164 for p in phones if not p.wrong_number]
        number = usable[0] if usable else (phones[0].e164 if phones else "")
    if facts is None:
        facts = _number_facts(s, account.account_id, number or None,
                              verified_since=clock.now() - VERIFIED_WITHIN if verified is None
                              else None)
    phones = facts.phones
    usable = [p.e164 for p in phones if not p.wrong_number]
    ordered = tuple([number] + [p for p in usable if p != number]) if number else tuple(usable)
    statuses = set(account.statuses & GATE_STATUSES)
    if any(p.e164 == number and p.wrong_number for p in phones):
        statuses.add("wrong_number")
    if verified is None:
        verified = bool(number) and facts.verified
    inconvenient = tuple(
        GateInconvenient(start=r.start, end=r.end, weekdays=frozenset(int(d) for d in r.weekdays),
                         note=r.note)
        for r in facts.inconvenient
    )
    if debt is _LOOK_UP:
        debt = primary_debt(s, account)
    return Recipient(
        account_id=account.account_id,
        debt_id=str(debt.id) if debt is not None else "",
        phones=ordered,
        address_zones=(account.timezone,) if account.timezone else (),
        language=account.language or "en",
        verified=verified,
        opted_out=facts.opted_out,
        statuses=frozenset(statuses),
        inconvenient=inconvenient,
        mini_miranda_given=account.mini_miranda_at is not None,
        display_name=account.name or "",
        # the creditor the gate withholds before verification (debts carry no creditor of
        # their own: the portfolio names one per account)
        creditors=(account.creditor,) if account.creditor else (),
        state=account.state or "",
        time_barred=bool(debt is not None and debt.time_barred),  # the debt the gate is about
        consents=_consents_in_gate_terms(facts.consents),
        work_phones=tuple(p.e164 for p in phones if p.work),
        employer_prohibits=bool(account.employer_prohibits),
    )


@dataclass(frozen=True)
class GateAccount:
    """An account as the gate reads it (`recipient_for`, `same_person_accounts`), a plain
    value: loading the account, its debt and its status records as tracked ORM objects cost
    more CPU than the query, and the gate changes none of them."""

    account_id: str
    name: str
    language: str
    timezone: Optional[str]
    pack: str
    state: Optional[str]
    creditor: Optional[str]
    mini_miranda_at: Optional[datetime]
    employer_prohibits: bool
    #: the statuses in force (`Account.statuses`)
    statuses: FrozenSet[str]


@dataclass(frozen=True)
class GateDebt:
    """The account's `primary_debt`, as far as the gate reads it."""

    id: int
    time_barred: bool


def gate_account(s: Session, account_id: str) -> Tuple[Optional[GateAccount], Optional[GateDebt]]:
    """`load_account` as plain values, in one query (the account, the statuses in force
    and the primary debt)."""
    row = raw.execute(s, _gate_account_statement(s.get_bind().dialect.name == "postgresql"),
                      {"account_id": account_id}).first()
    if row is None:
        return None, None
    return _gate_account_of(row, row.account_id)


def _gate_account_of(row: Any, account_id: str) -> Tuple[GateAccount, Optional[GateDebt]]:
    """The account and debt of a row with `_gate_account_statement`'s columns."""
    account = GateAccount(
        account_id=account_id, name=row.name, language=row.language,
        timezone=row.timezone, pack=row.pack, state=row.state, creditor=row.creditor,
        mini_miranda_at=row.mini_miranda_at, employer_prohibits=bool(row.employer_prohibits),
        statuses=frozenset(row.statuses.split(",")) if row.statuses else frozenset())
    debt = GateDebt(row.debt_id, bool(row.time_barred)) if row.debt_id is not None else None
    return account, debt


@functools.cache
def _gate_account_statement(postgres: bool) -> Any:
    """`gate_account`'s query, built once per dialect (the statuses are aggregated by
    `string_agg` on PostgreSQL, `group_concat` on SQLite; none contains a comma)."""
    from sqlalchemy import bindparam, func

    a = Account
    aggregate = func.string_agg(AccountStatus.status, ",") if postgres \
        else func.group_concat(AccountStatus.status, ",")
    statuses = (select(aggregate).where(AccountStatus.account_id == a.account_id,
                                        AccountStatus.active.is_(True))
                .correlate(a).scalar_subquery())
    return (select(a.account_id, a.name, a.language, a.timezone, a.pack, a.state, a.creditor,
                   a.mini_miranda_at, a.employer_prohibits, statuses.label("statuses"),
                   Debt.id.label("debt_id"), Debt.time_barred)
            .outerjoin(Debt, Debt.id == _primary_debt_id())
            .where(a.account_id == bindparam("account_id", type_=a.account_id.type)))


def load_account(s: Session, account_id: str) -> Tuple[Optional[Account], Optional[Debt]]:
    """The account with its status records, and its `primary_debt`, in one query
    (`recipient_for` reads all three)."""
    row = s.execute(_account_with_statuses_and_debt(), {"account_id": account_id}).unique().first()
    return (row[0], row[1]) if row is not None else (None, None)


@dataclass(frozen=True)
class _PhoneRow:
    e164: str
    kind: str
    wrong_number: bool
    work: bool


@dataclass(frozen=True)
class _InconvenientRow:
    start: time
    end: time
    weekdays: str
    note: str


@dataclass(frozen=True)
class _NumberFacts:
    """An account's phones and inconvenient times, and the opt-outs, consents and
    verification of one number."""

    phones: List[_PhoneRow]
    opted_out: FrozenSet[str]
    consents: FrozenSet[str]
    verified: bool
    inconvenient: Tuple[_InconvenientRow, ...] = ()


def _number_facts(s: Session, account_id: str, number: Optional[str],
                  verified_since: Optional[datetime]) -> _NumberFacts:
    """One UNION ALL query instead of five (phones, opt-outs, consents, verification,
    inconvenient times)."""
    statement = _number_facts_statement(bool(number), bool(number) and verified_since is not None)
    facts = _FactsRows()
    for row in raw.execute(s, statement, {"account_id": account_id, "number": number,
                                          "since": verified_since}):
        facts.add(*row)
    return facts.facts()


class _FactsRows:
    """`_NumberFacts` gathered from the rows of `_number_facts_statement` (or the same
    columns of `_gate_party_statement`), one row at a time."""

    __slots__ = ("phones", "opted", "consents", "verified", "inconvenient")

    def __init__(self) -> None:
        self.phones: List[Tuple[str, int, _PhoneRow]] = []
        self.opted: set = set()
        self.consents: set = set()
        self.verified = False
        self.inconvenient: List[Tuple[int, _InconvenientRow]] = []

    def add(self, tag: str, value: Any, kind: Any, wrong: Any, work: Any, order: Any,
            start: Any, end: Any, *_: Any) -> None:
        if tag == "phone":
            self.phones.append((kind, order, _PhoneRow(value, kind, bool(wrong), bool(work))))
        elif tag == "optout":
            self.opted.add(value)
        elif tag == "consent":
            self.consents.add(value)
        elif tag == "inconvenient":
            self.inconvenient.append((order, _InconvenientRow(start, end, kind, value)))
        else:
            self.verified = True

    def facts(self) -> _NumberFacts:
        phones, inconvenient = self.phones, self.inconvenient
        # the order `_phones` gives: primary before alt, then by id
        phones.sort(key=lambda item: item[1])
        phones.sort(key=lambda item: item[0], reverse=True)
        inconvenient.sort(key=lambda item: item[0])  # as stored (by id)
        return _NumberFacts([p for _, _, p in phones], frozenset(self.opted),
                            frozenset(self.consents), self.verified,
                            tuple(row for _, row in inconvenient))


@functools.cache
def _number_facts_statement(with_number: bool, with_verified: bool) -> Any:
    """`_number_facts`'s query, built once with bound parameters (account_id, number,
    since): building and cache-keying a four-part UNION costs more CPU than running it."""
    from sqlalchemy import union_all

    return union_all(*_facts_parts(with_number, with_verified, ()))


def _facts_parts(with_number: bool, with_verified: bool,
                 tail: Sequence[Tuple[str, Any]]) -> List[Any]:
    """The parts of `_number_facts_statement`, each followed by a typed NULL for every
    (name, type) of `tail` (the columns a wider union adds: `_gate_party_statement`)."""
    from sqlalchemy import Integer, String, Time, bindparam, false, literal, null

    account_id = bindparam("account_id", type_=Phone.account_id.type)
    number = bindparam("number", type_=OptOut.phone.type)

    def row(tag: str, value: Any, kind: Any = "", wrong: Any = None, work: Any = None,
            order: Any = 0, start: Any = None, end: Any = None) -> list:
        return [literal(tag, String).label("tag"), value.label("value") if hasattr(value, "label")
                else literal(value, String).label("value"),
                (kind if hasattr(kind, "label") else literal(kind, String)).label("kind"),
                (wrong if wrong is not None else false()).label("wrong"),
                (work if work is not None else false()).label("work"),
                (order if hasattr(order, "label") else literal(order, Integer)).label("ord"),
                # typed NULLs elsewhere: the union's columns take the first part's types
                (start if start is not None else null().cast(Time)).label("start"),
                (end if end is not None else null().cast(Time)).label("end"),
                *(null().cast(type_).label(name) for name, type_ in tail)]

    parts = [select(*row("phone", Phone.e164, Phone.kind, Phone.wrong_number, Phone.work,
                         Phone.id)).where(Phone.account_id == account_id)]
    it = InconvenientTime
    parts.append(select(*row("inconvenient", it.note, it.weekdays, order=it.id, start=it.start,
                             end=it.end)).where(it.account_id == account_id))
    if with_number:
        parts.append(select(*row("optout", OptOut.channel)).where(
            OptOut.phone == number, OptOut.active.is_(True)))
        parts.append(select(*row("consent", Consent.channel)).where(
            Consent.phone == number, Consent.active.is_(True)))
    if with_verified:
        parts.append(select(*row("verified", "")).where(
            Verification.account_id == account_id, Verification.phone == number,
            Verification.at >= bindparam("since", type_=Verification.at.type)))
    return parts


class GateParty(NamedTuple):
    """What `gate_party` read in one statement."""

    account: Optional[GateAccount]
    debt: Optional[GateDebt]
    facts: _NumberFacts
    #: the contact history since `history_since` (see `gate_party`)
    history: List[ContactRecord]


def gate_party(s: Session, account_id: str, number: str, *, history_since: datetime,
               debtor_scope: bool) -> GateParty:
    """`gate_account`, `recipient_for`'s number facts (verification window from now, as
    `recipient_for` reads them) and `contact_history` in one statement instead of three:
    the gate reads them for every message it screens. The history is the account's, or
    with `debtor_scope` that of every account of the person (`same_person_accounts`),
    since `history_since`, in `contact_history`'s order. All three come from one snapshot
    of the caller's transaction, as the three statements did."""
    from compliance_filters import ContactRecord

    if not number:
        raise ValueError("gate_party needs the contacted number")
    postgres = s.get_bind().dialect.name == "postgresql"
    statement = _gate_party_statement(postgres, debtor_scope)
    facts = _FactsRows()
    account: Optional[GateAccount] = None
    debt: Optional[GateDebt] = None
    contacts: List[Tuple[datetime, int, ContactRecord]] = []
    rows = raw.execute(s, statement, {"account_id": account_id, "number": number,
                                      "since": clock.now() - VERIFIED_WITHIN,
                                      "history_since": history_since})
    for row in rows:
        tag = row.tag
        if tag == "history":
            inbound = row.direction == "inbound"
            contacts.append((row.at, row.contact_id, ContactRecord(
                at=row.at, channel=row.channel,
                debt_id=str(row.debt_id) if row.debt_id is not None else "",
                number=row.from_number if inbound else row.to_number,
                outcome=_OUTCOMES[row.status],
                initiated_by="debtor" if inbound else "collector")))
        elif tag == "account":
            account, debt = _gate_account_of(row, row.value)
        else:
            facts.add(*row)
    contacts.sort(key=lambda item: (item[0], item[1]))  # `contact_history`'s ORDER BY at, id
    return GateParty(account, debt, facts.facts(), [c for _, _, c in contacts])


@functools.cache
def _gate_party_statement(postgres: bool, debtor_scope: bool) -> Any:
    """`gate_party`'s query, built once per dialect and history scope: the number facts'
    UNION ALL (for a given number, with the verification window), widened by the columns
    of `_gate_account_statement` (one "account" row) and of `_history_statement` ("history"
    rows); each part has typed NULLs for the columns of the others."""
    from sqlalchemy import Boolean, Integer, String, bindparam, literal, null, or_, union_all

    a, c = Account, ContactAttempt
    account_columns = (("name", String), ("language", String), ("timezone", String),
                       ("pack", String), ("state", String), ("creditor", String),
                       ("mini_miranda_at", a.mini_miranda_at.type),
                       ("employer_prohibits", Boolean), ("statuses", String),
                       ("debt_id", Integer), ("time_barred", Boolean))
    history_columns = (("at", c.at.type), ("channel", String), ("direction", String),
                       ("from_number", String), ("to_number", String), ("status", String),
                       ("contact_id", Integer))
    facts_columns = (("tag", String), ("value", String), ("kind", String), ("wrong", Boolean),
                     ("work", Boolean), ("ord", Integer), ("start", None), ("end", None))
    parts = _facts_parts(True, True, account_columns + history_columns)

    def part(tag: str, given: Mapping[str, Any]) -> List[Any]:
        """One non-facts part: `given` columns by name, typed NULLs elsewhere."""
        from sqlalchemy import Time

        columns = [literal(tag, String).label("tag")]
        for name, type_ in facts_columns[1:] + account_columns + history_columns:
            if name in given:
                columns.append(given[name].label(name))
            else:
                columns.append(null().cast(type_ or Time).label(name))
        return columns

    account_id = bindparam("account_id", type_=a.account_id.type)
    statuses = _gate_account_statement(postgres).selected_columns.statuses
    parts.append(
        select(*part("account", {
            "value": a.account_id, "name": a.name, "language": a.language,
            "timezone": a.timezone, "pack": a.pack, "state": a.state, "creditor": a.creditor,
            "mini_miranda_at": a.mini_miranda_at, "employer_prohibits": a.employer_prohibits,
            "statuses": statuses, "debt_id": Debt.id, "time_barred": Debt.time_barred}))
        .select_from(a).outerjoin(Debt, Debt.id == _primary_debt_id())
        .where(a.account_id == account_id))
    whose: Any = c.account_id == account_id
    if debtor_scope:  # the person's other accounts too (`same_person_accounts`)
        mine, theirs = aliased(Phone), aliased(Phone)
        others = (select(theirs.account_id)
                  .join(mine, (mine.e164 == theirs.e164) & (mine.kind == "primary"))
                  .where(mine.account_id == account_id, theirs.kind == "primary",
                         theirs.account_id != mine.account_id))
        whose = or_(whose, c.account_id.in_(others))
    parts.append(
        select(*part("history", {
            "at": c.at, "channel": c.channel, "direction": c.direction,
            "from_number": c.from_number, "to_number": c.to_number, "status": c.status,
            "debt_id": c.debt_id, "contact_id": c.id}))
        .where(whose, c.status.in_(tuple(_OUTCOMES)),
               c.at >= bindparam("history_since", type_=c.at.type)))
    return union_all(*parts)


# ---------------------------------------------------------------- consent (TCPA)
CONSENT_CHANNELS = ("sms", "voice", "all")


def consents_for(s: Session, phone: str) -> FrozenSet[str]:
    """The consents on file for `phone`, in the gate's vocabulary: the channels consented
    to, and "artificial_voice" when calls are (prior express consent to prerecorded or
    artificial-voice calls is consent to be called on that number, FCC 24-18)."""
    return _consents_in_gate_terms(frozenset(c for (c,) in s.execute(select(Consent.channel).where(
        Consent.phone == phone, Consent.active.is_(True)))))


def _consents_in_gate_terms(stored: FrozenSet[str]) -> FrozenSet[str]:
    """Consent rows' channels as the gate reads them (see `consents_for`)."""
    channels = set(stored)
    if "all" in channels:
        channels |= {"sms", "voice"}
    if "voice" in channels:
        channels.add("artificial_voice")
    return frozenset(channels)


def record_consent(s: Session, *, account_id: Optional[str], phone: str, channel: str,
                   source: str, at: Optional[datetime] = None) -> Consent:
    """Record prior express consent to contact `phone` on `channel` (sms, voice or all)."""
    _check(channel, CONSENT_CHANNELS, "channel")
    if not source or len(source) > 16:
        raise ValueError(f"source must be 1 to 16 characters, not {source!r}")
    return _record_active(s, Consent, "consent", account_id=account_id, phone=phone,
                          channel=channel, source=source, at=at)


def withdraw_consent(s: Session, *, phone: str, channel: str, source: str) -> int:
    """Withdraw consent for `channel` ("all": every channel); returns rows withdrawn."""
    _check(channel, CONSENT_CHANNELS, "channel")
    query = select(Consent).where(Consent.phone == phone, Consent.active.is_(True))
    if channel != "all":
        query = query.where(Consent.channel.in_((channel, "all")))
    rows = list(s.execute(query).scalars())
    for row in rows:
        row.active = False
    if rows:
        s.flush()
        evidence.append(s, "consent_withdrawn", rows[0].account_id, {
            "phone": phone, "channel": channel, "source": source})
    return len(rows)


def same_person_accounts(s: Session, account: Union[Account, GateAccount]) -> List[str]:
    """The ids of every account of the person behind `account` (itself first): the
    accounts whose primary phone is the same number (caps counted per debtor, e.g. the cn
    pack's 3 answered calls a day, count the person, not one account).

    Same primary phone, not same name + id hash: the identity hashes are keyed per account
    (bot.store.identity), so two accounts of one person never share a hash, and names
    alone are not unique."""
    others = [r[0] for r in raw.execute(s, _same_person_statement(),
                                         {"account_id": account.account_id})]
    return [account.account_id, *others]


@functools.cache
def _same_person_statement() -> Any:
    """`same_person_accounts`'s other accounts, in one query built once: the accounts whose
    primary phone is the account's primary phone (none when it has no primary)."""
    from sqlalchemy import bindparam

    mine, theirs = aliased(Phone), aliased(Phone)
    return (select(theirs.account_id)
            .join(mine, (mine.e164 == theirs.e164) & (mine.kind == "primary"))
            .where(mine.account_id == bindparam("account_id", type_=Phone.account_id.type),
                   theirs.kind == "primary", theirs.account_id != mine.account_id)
            .order_by(theirs.account_id))


def contact_history(s: Session, account_id: Union[str, Sequence[str]],
                    since: Optional[datetime] = None) -> List[ContactRecord]:
    """Past contact attempts as the caps count them (blocked/deferred ones never happened),
    from `since` on when given (the gate needs only its pack's `history_horizon`), for one
    account or several (a person's accounts: `same_person_accounts`)."""
    from compliance_filters import ContactRecord

    ids = [account_id] if isinstance(account_id, str) else list(account_id)
    rows = raw.execute(s, _history_statement(since is not None), {"ids": ids, "since": since})
    history = []
    for c in rows:
        inbound = c.direction == "inbound"
        history.append(ContactRecord(
            at=c.at, channel=c.channel, debt_id=str(c.debt_id) if c.debt_id is not None else "",
            number=c.from_number if inbound else c.to_number, outcome=_OUTCOMES[c.status],
            initiated_by="debtor" if inbound else "collector"))
    return history


@functools.cache
def _history_statement(with_since: bool) -> Any:
    """`contact_history`'s query, built once: only the columns a ContactRecord needs, as
    plain rows (the gate reads the history for every message it screens)."""
    from sqlalchemy import bindparam

    c = ContactAttempt
    query = select(c.at, c.channel, c.debt_id, c.direction, c.from_number, c.to_number,
                   c.status).where(c.account_id.in_(bindparam("ids", expanding=True)),
                                   c.status.in_(tuple(_OUTCOMES)))
    if with_since:
        query = query.where(c.at >= bindparam("since", type_=c.at.type))
    return query.order_by(c.at, c.id)


# ---------------------------------------------------------------- contacts
#: built once; the values travel as parameters (building `.values(...)` cost more CPU than
#: the INSERT)
_CONTACT_INSERT = insert(ContactAttempt.__table__)

#: the columns a contact INSERT sets (`_contact_insert_returning`, `_sent_statement`)
_CONTACT_COLUMNS = ("account_id", "channel", "direction", "at", "to_number", "from_number",
                    "status", "reasons", "text", "provider_sid", "debt_id")


@functools.cache
def _contact_insert_returning() -> Any:
    """`_CONTACT_INSERT` with every column `record_contact` sets as a typed parameter and
    the new id returned: one fixed statement text for the raw cursor (PostgreSQL)."""
    from sqlalchemy import bindparam

    t = ContactAttempt.__table__
    return insert(t).values({c: bindparam(c, type_=t.c[c].type) for c in _CONTACT_COLUMNS}
                            ).returning(t.c.id)


def _reason_text(reason: Any) -> str:
    if isinstance(reason, str):
        return reason
    rule, match = getattr(reason, "rule", str(reason)), getattr(reason, "match", "")
    return f"{rule}: {match}" if match else rule


def record_contact(s: Session, *, account_id: str, channel: str, direction: str, to: str,
                   from_: str, status: str, text: str, reasons: Iterable[Any] = (),
                   provider_sid: Optional[str] = None, debt_id: Union[int, str, None] = None,
                   at: Optional[datetime] = None, new: bool = False,
                   evidence_now: bool = False) -> ContactAttempt:
    """Record one contact attempt (or inbound message) and its evidence.

    A new row is returned as an untracked copy (changing it changes nothing stored).

    A provider id seen before updates that row instead (webhook retries, a call whose
    placed row later becomes a voicemail). `new=True` says the caller knows no row carries
    `provider_sid` yet (a sid Twilio has just returned, an inbox row's first attempt), which
    saves the lookup; the unique index on provider_sid still refuses a second row.

    `evidence_now` (PostgreSQL, a new row): the INSERT also appends its evidence (and the
    transaction's records pending before it), one statement instead of the INSERT and an
    append at commit. The chain's lock is then held from here to the commit, so only for
    a transaction that ends soon after (an inbox claim's), never one a turn runs in.
    """
    _check(channel, ("sms", "voice"), "channel")
    _check(direction, ("outbound", "inbound"), "direction")
    _check(status, CONTACT_STATUSES, "status")
    at = at or clock.now()
    reason_list = [_reason_text(r) for r in reasons]
    contact = None
    if provider_sid and not new:
        contact = s.execute(select(ContactAttempt).where(
            ContactAttempt.provider_sid == provider_sid)).scalars().first()
    if contact is None:
        values = {"account_id": account_id, "channel": channel, "direction": direction,
                  "at": at, "to_number": to or "", "from_number": from_ or "", "status": status,
                  "reasons": reason_list, "text": text or "", "provider_sid": provider_sid,
                  "debt_id": _debt_id(debt_id)}
        # one Core INSERT (the id comes back with it): the ORM's unit of work cost more CPU
        # than the statement; what the session holds is written first (the account row)
        s.flush()
        if s.get_bind().dialect.name == "postgresql" and evidence_now:
            ride = _contact_evidence_params(
                evidence.take_pending(s), account_id=account_id, channel=channel,
                direction=direction, to=to, from_=from_, status=status, reasons=reason_list,
                provider_sid=provider_sid, text=text, at=at)
            new_id = raw.execute(s, _contact_insert_with_evidence(), {**values, **ride}
                                 ).scalar()
            return ContactAttempt(id=new_id, **values)  # a copy: the row is written already
        if s.get_bind().dialect.name == "postgresql":  # the raw cursor: see bot.store.raw
            new_id = raw.execute(s, _contact_insert_returning(), values).scalar()
        else:
            new_id = s.execute(_CONTACT_INSERT, values).inserted_primary_key[0]
        contact = ContactAttempt(id=new_id, **values)  # a copy: the row is written already
    else:
        contact.status, contact.reasons, contact.updated_at = status, reason_list, at
        if text:
            contact.text = text
        s.flush()
    _contact_evidence(s, contact.id, account_id=account_id, channel=channel,
                      direction=direction, to=to, from_=from_, status=status,
                      reasons=reason_list, provider_sid=provider_sid, text=text, at=at)
    return contact


def _contact_evidence(s: Any, contact_id: int, *, account_id: str, channel: str,
                      direction: str, to: str, from_: str, status: str, reasons: List[str],
                      provider_sid: Optional[str], text: str, at: datetime) -> None:
    """The evidence record of one contact row (`record_contact`, `record_sent`); in a Core
    transaction (`record_sent` on a connection, PostgreSQL) written at once."""
    payload = {"contact_id": contact_id,
               **_contact_payload(channel=channel, to=to, from_=from_, status=status,
                                  reasons=reasons, provider_sid=provider_sid, text=text)}
    if isinstance(s, Session):
        evidence.append(s, f"message.{direction}", account_id, payload, at=at)
    else:
        evidence.append_now(s, f"message.{direction}", account_id, payload, at=at)


def record_sent(s: Any, *, outbox_id: int, worker: str, account_id: str, to: str,
                from_: str, text: str, provider_sid: str, debt_id: Union[int, str, None],
                at: datetime) -> bool:
    """Twilio took outbox row `outbox_id`: close it as `sent` (if `worker` still holds its
    lease) and record the `sent` SMS contact with its evidence, in `s`'s transaction.
    True when the row was still ours (False: sent after the lease ran out; the contact is
    recorded all the same, the text did go).

    PostgreSQL: the UPDATE, the contact INSERT and its evidence append are one statement
    (data-modifying CTEs; `evidence.append_call_with_id`), so the send's record costs one
    round trip; `s` may there be a Core connection, in a transaction or in autocommit
    mode (`bot.store.db.statement_scope`: the statement is then its own durable
    transaction, without BEGIN and COMMIT), which spares the sender an ORM session per
    text. Elsewhere `s` is a session."""
    from bot.store import queue
    from bot.store.models import OutboxMessage

    if not isinstance(s, Session):
        if s.dialect.name != "postgresql":
            raise ValueError("record_sent on a Core connection is for PostgreSQL")
    elif s.get_bind().dialect.name != "postgresql":
        closed = queue.finish(s, OutboxMessage, outbox_id, worker, "sent",
                              provider_sid=provider_sid, sent_at=at)
        record_contact(s, account_id=account_id, channel="sms", direction="outbound", to=to,
                       from_=from_, status="sent", text=text, provider_sid=provider_sid,
                       debt_id=debt_id, at=at, new=True)
        return closed
    values = {"account_id": account_id, "channel": "sms", "direction": "outbound", "at": at,
              "to_number": to or "", "from_number": from_ or "", "status": "sent",
              "reasons": [], "text": text or "", "provider_sid": provider_sid,
              "debt_id": _debt_id(debt_id), "row_id": outbox_id, "worker": worker}
    before = None
    if isinstance(s, Session):
        s.flush()
        before = evidence.take_pending(s)  # written first, by the same statement
    values.update(_contact_evidence_params(before, account_id=account_id, channel="sms",
                                           direction="outbound", to=to, from_=from_,
                                           status="sent", reasons=[],
                                           provider_sid=provider_sid, text=text, at=at))
    row = raw.execute(s, _sent_statement(), values).first()
    return bool(row.closed)


def _contact_evidence_params(before: Optional[Dict[str, Any]], *, account_id: str,
                             channel: str, direction: str, to: str, from_: str, status: str,
                             reasons: List[str], provider_sid: Optional[str], text: str,
                             at: datetime) -> Dict[str, Any]:
    """`_contact_evidence`'s record for a statement that inserts the contact and appends
    its evidence itself (`evidence.append_call_with_id`: the payload's `contact_id` is
    filled in by the server), after the records `before`."""
    payload = _contact_payload(channel=channel, to=to, from_=from_, status=status,
                               reasons=reasons, provider_sid=provider_sid, text=text)
    return evidence.with_new_id(before, f"message.{direction}", at, account_id, payload,
                                "contact_id")


def _contact_payload(*, channel: str, to: str, from_: str, status: str, reasons: List[str],
                     provider_sid: Optional[str], text: str) -> Dict[str, Any]:
    """A contact's evidence payload without its `contact_id`: the text itself is kept
    only redacted, with its digest."""
    return {"channel": channel, "to": to or "", "from": from_ or "", "status": status,
            "reasons": reasons, "provider_sid": provider_sid, "text": _redact(text or ""),
            "text_sha256": _text_digest(text or "")}


@functools.cache
def _sent_statement() -> Any:
    """`record_sent`'s one statement (PostgreSQL): close the outbox row, insert the
    contact, return the contact's id and whether the row was closed."""
    columns = _CONTACT_COLUMNS
    sql = ("WITH closed AS (UPDATE outbox SET status = 'sent', lease_until = NULL, "
           "provider_sid = :provider_sid, sent_at = :at WHERE id = :row_id "
           "AND claimed_by = :worker AND status = 'claimed' RETURNING id), "
           f"contact AS (INSERT INTO contact_attempts ({', '.join(columns)}) "
           f"VALUES ({', '.join(':' + name for name in columns)}) RETURNING id) "
           "SELECT contact.id, (SELECT count(*) FROM closed) AS closed, "
           f"{evidence.append_call_with_id('contact.id')} AS seq FROM contact")
    return _contact_text(sql)


def _contact_text(sql: str) -> Any:
    """`sql` as a text statement whose contact parameters carry their columns' types."""
    from sqlalchemy import bindparam, text

    c = ContactAttempt.__table__
    return text(sql).bindparams(*[bindparam(name, type_=c.c[name].type)
                                  for name in _CONTACT_COLUMNS])


@functools.cache
def _contact_insert_with_evidence() -> Any:
    """`record_contact(evidence_now=True)`'s one statement (PostgreSQL): the contact row,
    then its evidence record (after any pending before it), the new id returned."""
    columns = _CONTACT_COLUMNS
    return _contact_text(
        f"WITH contact AS (INSERT INTO contact_attempts ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + name for name in columns)}) RETURNING id) "
        f"SELECT contact.id, {evidence.append_call_with_id('contact.id')} AS seq "
        "FROM contact")


def update_contact_status(s: Session, provider_sid: str, status: str,
                          error_code: Optional[str] = None) -> Optional[ContactAttempt]:
    """Apply a provider status callback; None when no contact carries `provider_sid`."""
    _check(status, CONTACT_STATUSES, "status")
    contact = s.execute(select(ContactAttempt).where(
        ContactAttempt.provider_sid == provider_sid)).scalars().first()
    if contact is None:
        return None
    contact.status = status
    contact.updated_at = clock.now()
    if error_code:
        contact.error_code = str(error_code)
        contact.reasons = list(contact.reasons or []) + [f"provider error {error_code}"]
    s.flush()
    evidence.append(s, "message.status", contact.account_id, {
        "contact_id": contact.id, "provider_sid": provider_sid, "status": status,
        "error_code": error_code})
    return contact


def call_outcome(s: Session, provider_sid: str) -> Optional[str]:
    """The outcome recorded so far for the call `provider_sid` (None while it goes on)."""
    return s.execute(select(ContactAttempt.call_outcome).where(
        ContactAttempt.provider_sid == provider_sid)).scalars().first()


def set_call_outcome(s: Session, provider_sid: str, outcome: str, *,
                     keep_existing: bool = False, note: Optional[str] = None
                     ) -> Optional[ContactAttempt]:
    """Record how the call `provider_sid` ended (CALL_OUTCOMES). `keep_existing` leaves
    an outcome already set (we ended the call: the status callback that follows must not
    make it a hang-up). None when no contact row carries the call."""
    _check(outcome, CALL_OUTCOMES, "call outcome")
    contact = s.execute(select(ContactAttempt).where(
        ContactAttempt.provider_sid == provider_sid)).scalars().first()
    if contact is None or (keep_existing and contact.call_outcome):
        return contact
    contact.call_outcome = outcome
    contact.updated_at = clock.now()
    if note:
        contact.reasons = list(contact.reasons or []) + [note]
    s.flush()
    evidence.append(s, "call.outcome", contact.account_id, {
        "contact_id": contact.id, "provider_sid": provider_sid, "outcome": outcome,
        "note": note})
    return contact


# ---------------------------------------------------------------- opt-outs and statuses
def record_optout(s: Session, *, account_id: Optional[str], phone: str, channel: str, source: str,
                  at: Optional[datetime] = None) -> OptOut:
    """Stop `channel` (sms, voice or all) to `phone`; repeated opt-outs keep one active row."""
    _check(channel, OPTOUT_CHANNELS, "channel")
    _check(source, OPTOUT_SOURCES, "source")
    return _record_active(s, OptOut, "optout", account_id=account_id, phone=phone,
                          channel=channel, source=source, at=at)


def _record_active(s: Session, model: Any, kind: str, *, account_id: Optional[str], phone: str,
                   channel: str, source: str, at: Optional[datetime]) -> Any:
    """One active `model` row (OptOut or Consent) per phone and channel, with evidence
    `kind`; repeating it keeps the row in force instead of adding another."""
    existing = s.execute(select(model).where(
        model.phone == phone, model.channel == channel, model.active.is_(True))).scalars().first()
    if existing is not None:
        return existing
    at = at or clock.now()
    row = model(account_id=account_id, phone=phone, channel=channel, source=source, at=at,
                active=True)
    s.add(row)
    s.flush()
    evidence.append(s, kind, account_id, {"phone": phone, "channel": channel,
                                          "source": source}, at=at)
    return row


def remove_optout(s: Session, *, phone: str, channel: str, source: str) -> int:
    """Opt back in (START/UNSTOP/YES); returns how many opt-outs were lifted."""
    _check(channel, OPTOUT_CHANNELS, "channel")
    at = clock.now()
    rows = list(s.execute(select(OptOut).where(
        OptOut.phone == phone, OptOut.channel == channel, OptOut.active.is_(True))).scalars())
    for row in rows:
        row.active, row.removed_at, row.removed_source = False, at, source
    if rows:
        s.flush()
        evidence.append(s, "optin", rows[0].account_id, {"phone": phone, "channel": channel,
                                                         "source": source}, at=at)
    return len(rows)


def is_opted_out(s: Session, phone: str, channel: str) -> bool:
    """True when `phone` opted out of `channel` or of everything ("all")."""
    channels = ("all",) if channel == "all" else (channel, "all")
    return s.execute(_opted_out_statement(channels), {"phone": phone}).first() is not None


@functools.cache
def _opted_out_statement(channels: Tuple[str, ...]) -> Any:
    """`is_opted_out`'s query, built once per channel (every inbound SMS may ask)."""
    from sqlalchemy import bindparam

    return select(OptOut.id).where(
        OptOut.phone == bindparam("phone", type_=OptOut.phone.type),
        OptOut.channel.in_(channels), OptOut.active.is_(True)).limit(1)


def set_status(s: Session, account_id: str, status: str, note: str = "") -> AccountStatus:
    """Put a status (cease, attorney, dispute ...) in force on an account."""
    _check(status, ACCOUNT_STATUSES, "status")
    account = s.get(Account, account_id)
    if account is None:
        raise LookupError(f"no account {account_id!r}")
    at = clock.now()
    row = AccountStatus(account_id=account_id, status=status, note=note, at=at, active=True)
    account.status_records.append(row)
    s.flush()
    evidence.append(s, "status", account_id, {"status": status, "note": note}, at=at)
    return row


def mark_wrong_number(s: Session, phone: str) -> int:
    """Flag `phone` as a wrong number on every account; returns how many phones changed."""
    result = s.execute(update(Phone).where(Phone.e164 == phone, Phone.wrong_number.is_(False))
                       .values(wrong_number=True).execution_options(synchronize_session="fetch"))
    accounts = sorted({a for (a,) in s.execute(select(Phone.account_id).where(Phone.e164 == phone))})
    for account_id in accounts or [None]:
        evidence.append(s, "wrong_number", account_id, {"phone": phone})
    return result.rowcount or 0


def add_inconvenient_time(s: Session, account_id: str, start: time, end: time,
                          weekdays: Optional[Iterable[int]] = None, note: str = "") -> InconvenientTime:
    """Record a local time span the debtor said is inconvenient (end < start wraps midnight)."""
    days = sorted(set(range(7) if weekdays is None else weekdays))
    if not days or any(d not in range(7) for d in days):
        raise ValueError("weekdays must be numbers 0 (Monday) to 6")
    at = clock.now()
    row = InconvenientTime(account_id=account_id, start=start, end=end,
                           weekdays="".join(str(d) for d in days), note=note, at=at)
    s.add(row)
    s.flush()
    evidence.append(s, "inconvenient_time", account_id, {
        "start": start, "end": end, "weekdays": days, "note": _redact(note)}, at=at)
    return row


def set_workplace(s: Session, account_id: str, *, source: str, work_phone: Optional[str] = None,
                  employer_prohibits: Optional[bool] = None) -> Account:
    """Record what is known about contact at work (issue 13 item 1): `work_phone` is one of
    the account's numbers that rings at the debtor's workplace; `employer_prohibits` says
    contact there is prohibited (the employer forbids it, or the debtor said work is an
    inconvenient place). The gate then refuses texts and calls to that number. None leaves
    a flag as it is; a number the account does not have is a ValueError (nothing changes)."""
    account = s.get(Account, account_id)
    if account is None:
        raise LookupError(f"no account {account_id!r}")
    if not source or len(source) > 16:
        raise ValueError(f"source must be 1 to 16 characters, not {source!r}")
    phones = _phones(s, account_id)
    if work_phone is not None and work_phone not in {p.e164 for p in phones}:
        raise ValueError(f"{work_phone!r} is not a number of account {account_id}")
    changed: Dict[str, Any] = {}
    for phone in phones:
        if work_phone is not None and phone.e164 == work_phone and not phone.work:
            phone.work = True
            changed["work_phone"] = work_phone
    if employer_prohibits is not None and bool(account.employer_prohibits) != employer_prohibits:
        account.employer_prohibits = employer_prohibits
        changed["employer_prohibits"] = employer_prohibits
    if changed:
        s.flush()
        evidence.append(s, "workplace", account_id, {**changed, "source": source})
    return account


# ---------------------------------------------------------------- debt verification
VERIFICATION_METHODS = ("mail", "email", "portal")


def record_debt_verification(s: Session, account_id: str, *, method: str, source: str,
                             note: str = "") -> int:
    """A person sent the debtor verification of a disputed debt (FDCPA 809(b), Reg F
    1006.38(d)(2)): the dispute is lifted (its rows stay, inactive, as history) and an
    evidence record says how and by whom. Collection may resume only after this; the gate
    keeps blocking while the dispute is in force. Returns the disputes lifted.
    ValueError (nothing changes) when no dispute is in force or the method is unknown."""
    _check(method, VERIFICATION_METHODS, "method")
    if not source or len(source) > 64:
        raise ValueError(f"source must be 1 to 64 characters, not {source!r}")
    rows = list(s.execute(select(AccountStatus).where(
        AccountStatus.account_id == account_id, AccountStatus.status == "dispute",
        AccountStatus.active.is_(True))).scalars())
    if not rows:
        raise ValueError(f"account {account_id} has no dispute in force to verify")
    at = clock.now()
    for row in rows:
        row.active = False
    s.flush()
    evidence.append(s, "debt_verification", account_id, {
        "method": method, "source": source, "note": _redact(note),
        "disputed_at": min(r.at for r in rows)}, at=at)
    return len(rows)


# ---------------------------------------------------------------- verification
def verify_identity(s: Session, account_id: str, field: str, value: str) -> bool:
    """Does `value` match the stored keyed hash of the account's `field`? (never logged)"""
    if field not in identity.FIELDS:
        raise ValueError(f"field must be one of {', '.join(identity.FIELDS)}, not {field!r}")
    account = s.get(Account, account_id)
    if account is None:
        return False
    stored = getattr(account, f"{field}_hash")
    return identity.matches(stored, field, account_id, value)


def mark_verified(s: Session, account_id: str, phone: str, at: Optional[datetime] = None) -> Verification:
    at = at or clock.now()
    row = Verification(account_id=account_id, phone=phone, at=at)
    s.add(row)
    s.flush()
    evidence.append(s, "verified", account_id, {"phone": phone}, at=at)
    return row


def is_verified(s: Session, account_id: str, phone: str,
                within: timedelta = VERIFIED_WITHIN) -> bool:
    """Was the right party verified on `phone` within the last `within`?"""
    since = clock.now() - within
    return s.execute(select(Verification.id).where(
        Verification.account_id == account_id, Verification.phone == phone,
        Verification.at >= since).limit(1)).first() is not None


def mark_mini_miranda_given(s: Session, account_id: str) -> None:
    account = s.get(Account, account_id)
    if account is not None and account.mini_miranda_at is None:
        account.mini_miranda_at = clock.now()
        s.flush()
        evidence.append(s, "mini_miranda", account_id, {}, at=account.mini_miranda_at)


# ---------------------------------------------------------------- arrangements and handoffs
def create_arrangement(s: Session, *, account_id: str, debt_id: Union[int, str, None], kind: str,
                       total: Decimal, currency: str,
                       installments: List[Tuple[date, Decimal]],
                       status: str = "accepted") -> Arrangement:
    """Store an agreed promise, plan or settlement with its dated installments."""
    _check(kind, ARRANGEMENT_KINDS, "kind")
    _check(status, ARRANGEMENT_STATUSES, "status")
    total = Decimal(str(total))
    if total < 0:
        raise ValueError("total must not be negative")
    at = clock.now()
    arrangement = Arrangement(account_id=account_id, debt_id=_debt_id(debt_id), kind=kind,
                              total=total, currency=currency, status=status, created_at=at)
    for seq, (due, amount) in enumerate(installments, start=1):
        arrangement.installments.append(Installment(seq=seq, due_date=due,
                                                     amount=Decimal(str(amount))))
    s.add(arrangement)
    s.flush()
    evidence.append(s, "arrangement", account_id, {
        "arrangement_id": arrangement.id, "debt_id": arrangement.debt_id, "kind": kind,
        "total": total, "currency": currency, "status": status,
        "installments": [{"due_date": i.due_date, "amount": i.amount}
                         for i in arrangement.installments]}, at=at)
    return arrangement


def create_handoff(s: Session, *, account_id: str, reason: str,
                   conversation_id: Optional[str] = None) -> Handoff:
    """Queue the conversation for a human agent."""
    at = clock.now()
    handoff = Handoff(account_id=account_id, reason=reason, conversation_id=conversation_id,
                      status="queued", created_at=at)
    s.add(handoff)
    s.flush()
    evidence.append(s, "handoff", account_id, {"handoff_id": handoff.id, "reason": reason,
                                               "conversation_id": conversation_id}, at=at)
    return handoff


def record_decision(s: Session, *, account_id: Optional[str], channel: str, text: str,
                    decision: Decision) -> None:
    """Evidence of one compliance decision (the text is redacted, its hash kept)."""
    evidence.append(s, "decision", account_id, {
        "channel": channel, "status": decision.status,
        "reasons": [{"rule": r.rule, "match": r.match} for r in decision.reasons],
        "next_allowed_at": decision.next_allowed_at, "missing": list(decision.missing),
        "text": _redact(text), "text_sha256": _text_digest(text),
    })


# ---------------------------------------------------------------- webhook idempotency
def claim_message_sid(s: Session, sid: str) -> bool:
    """True the first time `sid` is seen (any process); False for a retry of it.

    One `INSERT ... ON CONFLICT DO NOTHING` on SQLite and PostgreSQL: a concurrent claim
    of the same id waits for the first to commit and then inserts nothing."""
    values = {"sid": sid, "at": clock.now()}
    dialect = s.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite_insert if dialect == "sqlite" else pg_insert
        result = s.execute(insert(ProcessedMessage.__table__).values(**values)
                           .on_conflict_do_nothing(index_elements=["sid"]))
        return result.rowcount == 1
    if s.get(ProcessedMessage, sid) is not None:
        return False
    try:
        with s.begin_nested():
            s.add(ProcessedMessage(**values))
            s.flush()
    except IntegrityError:
        return False
    return True
