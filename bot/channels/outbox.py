"""The one door out: every text any sender wants to deliver goes through `send`.

`send` is the one send path: screen -> allowed fallback -> record the decision -> deliver
(an SMS is appended to the conversation's outbox table, which `OutboxSender` drains in
order; a voice line is recorded as spoken; a chat/REST line is only shown). `screen` finds the debtor behind a phone number, adds what the rule pack requires
(opt-out line, disclosures), runs the combined compliance gate and records the decision
in the store and the evidence log. A blocked or deferred message is also recorded as a
contact row with its reasons, so an audit sees what was *not* said as well as what was.
Callers send `Screened.text` (never their original text) and only when `send` is true.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Optional, Tuple

from bot import clock
from bot.channels.texts import text as fixed_text
from bot.config import get_settings
from bot.locale import language_for_phone as pack_language
from bot.locale import pack_for_phone
from bot.store import queue, raw, repo
from bot.store.db import session_scope
from compliance_filters import (
    ContactRecord,
    Decision,
    OutgoingMessage,
    Recipient,
    add_required_content,
    gate,
    load_pack,
    redact,
)

logger = logging.getLogger(__name__)

#: How long after the debtor's last message our texts still count as replies.
CONVERSATION_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Screened:
    """The outcome of screening one message: send `text` only if `send`."""

    send: bool
    text: str
    decision: Decision
    account_id: Optional[str] = None
    debt_id: Optional[str] = None
    language: str = "en"
    #: True when `text` is the safe fallback that replaced a blocked text
    fallback: bool = False
    #: the outbox row id when the text was queued for sending
    queued: Optional[int] = None


@dataclass(frozen=True)
class Turn:
    """Who one turn talks to: found once per turn (or per contact attempt) and handed to
    every send of that turn, so the phone -> account lookup is not repeated per message."""

    phone: str
    account_id: Optional[str]
    language: str
    timezone: str
    pack: str
    debt_id: Optional[str] = None
    inbox_id: Optional[int] = None


def turn_for(s: Any, phone: str, *, inbox_id: Optional[int] = None) -> Turn:
    """The turn's party for `phone` (a number with no account gets the country defaults)."""
    return _turn_of(phone, repo.party_by_phone(s, phone), inbox_id)


def _turn_of(phone: str, party: Optional[Any], inbox_id: Optional[int]) -> Turn:
    """The `Turn` for `phone` from its party row (None, or an account_id of None: no
    account on file, so the country's defaults)."""
    if party is None or party.account_id is None:
        return Turn(phone, None, pack_language(phone), "UTC", pack_for_phone(phone),
                    inbox_id=inbox_id)
    return Turn(
        phone=phone, account_id=party.account_id,
        language=party.language or pack_language(phone), timezone=party.timezone or "UTC",
        pack=party.pack or pack_for_phone(phone),
        debt_id=str(party.debt_id) if party.debt_id is not None else None, inbox_id=inbox_id,
    )


def turn_and_owner(s: Any, phone: str, *, inbox_id: Optional[int] = None
                   ) -> Tuple[Turn, bool]:
    """`turn_for(phone)`, and whether a person owns the conversation
    (`bot.console.takeover.agent_owns`: a claimed handoff for the number's conversation or
    its account), in one query: an inbound message needs both, and the takeover check was
    a statement of its own after the party's lookup."""
    row = raw.execute(s, _turn_and_owner_statement(), {"phone": phone, "e164": phone}).first()
    return _turn_of(phone, row, inbox_id), bool(row.owned)


def claimed_with_turn(claimed: Any) -> Any:
    """For `queue.claim_with`: the claimed inbox row, with its sender's party and the
    takeover check of `turn_and_owner` (as `party_*` and `owned` columns), so an inbound
    message's claim and its first account lookup are one statement (PostgreSQL)."""
    from sqlalchemy import and_, exists, or_, select, true
    from sqlalchemy.sql import visitors
    from sqlalchemy.sql.elements import BindParameter

    from bot.store.models import Handoff

    def by_sender(element: Any, **_: Any) -> Any:
        if isinstance(element, BindParameter) and element.key == "e164":
            return claimed.c.from_number
        return None

    # repo's party statement, for the claimed row's number instead of a parameter
    party = visitors.replacement_traverse(repo._party_by_phone(), {}, by_sender).lateral(
        "party")
    owned = exists().where(Handoff.status == "claimed", or_(
        Handoff.conversation_id == claimed.c.from_number,
        and_(party.c.account_id.is_not(None), Handoff.account_id == party.c.account_id)))
    return (select(claimed, *[party.c[name].label(f"party_{name}") for name in _PARTY],
                   owned.label("owned"))
            .select_from(claimed.outerjoin(party, true())))


_PARTY = ("account_id", "language", "timezone", "pack", "debt_id")


def turn_of_claimed(row: Any) -> Optional[Tuple[Turn, bool]]:
    """`turn_and_owner` for an inbox row claimed with `claimed_with_turn`; None for a row
    claimed without those columns (SQLite, or a plain claim)."""
    if not hasattr(row, "owned"):
        return None
    party = _ClaimedParty(*(getattr(row, f"party_{name}") for name in _PARTY))
    return _turn_of(row.from_number, party, row.id), bool(row.owned)


class _ClaimedParty(NamedTuple):
    account_id: Optional[str]
    language: Optional[str]
    timezone: Optional[str]
    pack: Optional[str]
    debt_id: Optional[int]


@functools.cache
def _turn_and_owner_statement() -> Any:
    """`turn_and_owner`'s query, built once: the party row of `repo.party_by_phone` (the
    primary phone before an alternate, the primary debt), outer-joined to one row so an
    unknown number still gets its answer, with `agent_owns`'s EXISTS beside it."""
    from sqlalchemy import and_, bindparam, exists, literal, or_, select, true

    from bot.store.models import Handoff

    # repo's own statement (one definition of "the number's account and its primary debt")
    party = repo._party_by_phone().subquery("party")
    phone = bindparam("phone", type_=Handoff.conversation_id.type)
    one = select(literal(1).label("one")).subquery("one")
    owned = exists().where(Handoff.status == "claimed", or_(
        Handoff.conversation_id == phone, and_(party.c.account_id.is_not(None),
                                               Handoff.account_id == party.c.account_id)))
    return (select(party.c.account_id, party.c.language, party.c.timezone, party.c.pack,
                   party.c.debt_id, owned.label("owned"))
            .select_from(one.outerjoin(party, true())))


def record_contact(s: Any, account_id: Optional[str], **fields: Any) -> None:
    """Record a contact row; numbers with no account on file have no row to attach to."""
    if account_id is None:
        logger.info("contact with unknown number %s not stored", redact(fields.get("to", "")))
        return
    repo.record_contact(s, account_id=account_id, **fields)


def mark_opted_out(s: Any, phone: str, channel: str, source: str) -> bool:
    """Record an opt-out; True when the number was not opted out before."""
    was = repo.is_opted_out(s, phone, channel)
    account = repo.find_account_by_phone(s, phone)
    repo.record_optout(
        s, account_id=account.account_id if account else None, phone=phone,
        channel=channel, source=source,
    )
    return not was


def fallback_may_help(screened: Screened) -> bool:
    """A fallback can replace a blocked *text*; it cannot help with a blocked *contact*."""
    if screened.decision.status != "blocked":
        return False
    return not any(r.rule.split(".")[0] in ("optout", "status", "window", "cap")
                   for r in screened.decision.reasons)


def contact_channel(channel: str) -> str:
    """Voicemail is a voice contact in the contact log."""
    return "voice" if channel == "voicemail" else channel


def reasons_of(decision: Decision) -> Tuple[str, ...]:
    """Reasons as `rule: match` strings, the form the contact log stores."""
    return tuple(f"{r.rule}: {r.match}" if r.match else r.rule for r in decision.reasons)


def _unknown_recipient(s: Any, phone: str) -> Recipient:
    """A number we know nothing about: never verified, so nothing can be disclosed."""
    opted = frozenset(
        ch for ch in ("sms", "voice", "all") if repo.is_opted_out(s, phone, ch)
    )
    language = pack_language(phone)
    return Recipient(
        account_id="",
        debt_id="",
        phones=(phone,),
        language=language,
        verified=False,
        opted_out=opted,
    )


@dataclass(frozen=True)
class Party:
    """What the gate reads from the store about the other side of one message."""

    #: an ORM `Account`, or the plain `repo.GateAccount` of a turn's party
    account: Optional[Any]
    pack: Any
    recipient: Recipient
    history: Tuple[ContactRecord, ...]


def read_party(s: Any, phone: str, at: datetime, *, turn: Optional[Turn] = None) -> Party:
    """Read the recipient and the contact history the gate needs for `phone`, fresh.

    Never cached across messages: an action may have set a status, recorded a
    verification or an opt-out between two sends of one turn. Only the fallback that
    replaces a blocked text reuses its blocked original's (nothing the gate reads changed in
    between: a blocked text is not a contact)."""
    if turn is not None and turn.phone == phone and turn.account_id and phone:
        party = _read_turn_party(s, turn, at)
        if party is not None:
            return party
    if turn is not None and turn.phone == phone:
        account, debt = repo.gate_account(s, turn.account_id) if turn.account_id \
            else (None, None)
    else:
        account, debt = repo.find_account_and_debt_by_phone(s, phone)
    if account is None:
        return Party(None, load_pack(pack_for_phone(phone)), _unknown_recipient(s, phone), ())
    pack = load_pack(account.pack or pack_for_phone(phone))
    recipient = repo.recipient_for(s, account, phone, debt=debt)
    # a cap counted per debtor counts the person's contacts on all their accounts
    people = repo.same_person_accounts(s, account) if any(
        c.scope == "debtor" for c in pack.caps) else [account.account_id]
    history = repo.contact_history(s, people, since=at - pack.history_horizon)
    return Party(account, pack, recipient, tuple(history))


def _debtor_scope(pack: Any) -> bool:
    """Whether a cap of `pack` counts the person's contacts on all their accounts."""
    return any(c.scope == "debtor" for c in pack.caps)


def _read_turn_party(s: Any, turn: Turn, at: datetime) -> Optional[Party]:
    """`read_party` for the turn's own account in one statement (`repo.gate_party`: the
    account, the number's facts and the history), the history read for the turn's pack.
    The account's own pack decides, as in `read_party`: should it need another history
    (a pack changed since the turn began), that history is read again the ordinary way.
    None when the account is gone (the caller reads the party the ordinary way)."""
    try:
        guess = load_pack(turn.pack)
    except Exception:  # an unknown pack name: the ordinary path reports it as before
        return None
    read = repo.gate_party(s, turn.account_id, turn.phone,  # type: ignore[arg-type]
                           history_since=at - guess.history_horizon,
                           debtor_scope=_debtor_scope(guess))
    # `load_pack` gives the same object for a name: the same pack needs the same history
    account = read.account
    if account is None:
        return None
    pack = load_pack(account.pack or pack_for_phone(turn.phone))
    history = read.history
    if pack is not guess and (pack.history_horizon != guess.history_horizon
                              or _debtor_scope(pack) != _debtor_scope(guess)):
        people = repo.same_person_accounts(s, account) if _debtor_scope(pack) \
            else [account.account_id]
        history = repo.contact_history(s, people, since=at - pack.history_horizon)
    recipient = repo.recipient_for(s, account, turn.phone, debt=read.debt, facts=read.facts)
    return Party(account, pack, recipient, tuple(history))


def screen(
    s: Any,
    *,
    phone: str,
    text: str,
    channel: str,
    kind: str = "reply",
    sender: str = "bot",
    at: Optional[datetime] = None,
    turn: Optional[Turn] = None,
    record: bool = True,
    caller_name: str = "",
    artificial_voice: bool = False,
    given: Tuple[str, ...] = (),
    party: Optional[Party] = None,
) -> Screened:
    """Decide whether `text` may go to `phone` on `channel` now, and record the decision.

    With `turn` the account found for the turn is used (no phone lookup); `record=False`
    is a preflight check (is a contact attempt allowed at all?) that leaves no trace.
    `caller_name` is the person a voicemail names; `artificial_voice` marks a synthesized
    (TTS) call or voicemail, which the TCPA consent rules cover; `given` names required items
    an earlier turn of the same call already said. `party` is what `read_party` read for
    this message, when the caller has it already."""
    at = at or clock.now()
    party = party or read_party(s, phone, at, turn=turn)
    account, pack, recipient, history = party.account, party.pack, party.recipient, party.history
    message = OutgoingMessage(text=text, channel=channel, kind=kind, sender=sender,
                              caller_name=caller_name, artificial_voice=artificial_voice,
                              given=given)
    full_text = add_required_content(pack, message, recipient)
    message = replace(message, text=full_text)
    decision = gate(pack, message, recipient, history, at)
    account_id = account.account_id if account is not None else None
    debt_id = recipient.debt_id or None
    if account_id is not None and record:
        repo.record_decision(
            s, account_id=account_id, channel=contact_channel(channel), text=full_text,
            decision=decision,
        )
        if not decision.allowed:
            repo.record_contact(
                s,
                account_id=account_id,
                channel=contact_channel(channel),
                direction="outbound",
                to=phone,
                from_=get_settings().twilio_number,
                status=decision.status,
                text=full_text,
                reasons=reasons_of(decision),
                debt_id=debt_id,
                at=at,
            )
    if decision.allowed:
        if logger.isEnabledFor(logging.DEBUG):  # the redactions cost CPU on every message
            logger.debug("allowed %s to %s: %s", channel, redact(phone), redact(full_text))
    else:
        # a preflight (record=False) decides nothing yet: the recorded decision warns once
        logger.log(
            logging.WARNING if record else logging.DEBUG,
            "%s %s message to %s: %s (reasons: %s)",
            decision.status, channel, redact(phone), redact(full_text),
            ", ".join(reasons_of(decision)),
        )
    return Screened(
        send=decision.allowed,
        text=full_text,
        decision=decision,
        account_id=account_id,
        debt_id=debt_id,
        language=recipient.language,
    )


#: how a screened text leaves: queued for Twilio, spoken in TwiML, or only shown (chat/REST)
DELIVERIES = ("queue", "say", "show")


def send(
    s: Any,
    turn: Turn,
    text: str,
    *,
    channel: str = "sms",
    kind: str = "reply",
    sender: str = "bot",
    deliver: str = "queue",
    fallback: bool = True,
    from_number: Optional[str] = None,
    at: Optional[datetime] = None,
    caller_name: str = "",
    artificial_voice: bool = False,
    given: Tuple[str, ...] = (),
    wake_others: bool = True,
) -> Screened:
    """The one send path: screen -> allowed fallback -> record -> deliver.

    A blocked text is replaced by the fixed fallback when `fallback` is on and the block is
    about the words (not the contact itself). `deliver="queue"` appends the text to the
    conversation's outbox in the same transaction as its decision; `"say"` records a
    spoken voice line (status "spoken": the call is the contact attempt, not each line); `"show"` delivers nothing (the caller displays it).
    `wake_others=False`: a queued text wakes no other process's sender (the caller wakes
    an idle one of its own: `queue.enqueue_outbound`)."""
    if deliver not in DELIVERIES:
        raise ValueError(f"deliver must be one of {DELIVERIES}, not {deliver!r}")
    at = at or clock.now()
    marks = {"caller_name": caller_name, "artificial_voice": artificial_voice, "given": given}
    party = read_party(s, turn.phone, at, turn=turn)
    screened = screen(s, phone=turn.phone, text=text, channel=channel, kind=kind,
                      sender=sender, at=at, turn=turn, party=party, **marks)
    if not screened.send and fallback and fallback_may_help(screened):
        screened = replace(
            screen(s, phone=turn.phone, text=fixed_text(
                       "voice_fallback" if contact_channel(channel) == "voice" else "fallback",
                       screened.language),
                   channel=channel, kind=kind, sender=sender, at=at, turn=turn, party=party,
                   **marks),
            fallback=True)
    if not screened.send:
        return screened
    from_number = from_number or get_settings().twilio_number
    if deliver == "queue":
        row_id = queue.enqueue_outbound(
            s, conversation_id=turn.phone, channel=contact_channel(channel), to_number=turn.phone,
            from_number=from_number, body=screened.text, account_id=screened.account_id,
            debt_id=screened.debt_id, inbox_id=turn.inbox_id, at=at, wake_others=wake_others)
        return replace(screened, queued=row_id)
    if deliver == "say":
        record_contact(s, screened.account_id, channel=contact_channel(channel),
                       direction="outbound", to=turn.phone, from_=from_number,
                       status="spoken", text=screened.text, debt_id=screened.debt_id, at=at)
    return screened


def send_sms(phone: str, text: str, *, sender: str = "agent", kind: str = "reply",
             fallback: bool = False) -> Screened:
    """One SMS from outside a conversation turn (an agent's reply from the console, a
    campaign's notice): its own transaction, the same send path. The text is queued and
    any replica's outbox sender delivers it, in order after what the conversation already
    has queued. No fallback by default: a person should see their text was blocked."""
    with session_scope() as s:
        return send(s, turn_for(s, phone), text, channel="sms", kind=kind, sender=sender,
                    fallback=fallback)
