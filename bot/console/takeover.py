"""Whether a person owns a conversation right now, so the bot must not answer it.

The SMS channel asks `agent_owns(s, phone, account_id)` after recording an inbound message
and after the STOP/START/HELP keywords (those are always honoured), and before handing the text to Rasa.
While an agent holds a claimed handoff for the account behind `phone`, the message only
shows up in the agent's transcript; resolving or handing back lets the bot answer again,
with Rasa's tracker as it was (the messages in between never reached it).
"""

from __future__ import annotations

import functools
from typing import Any, Optional

from sqlalchemy import bindparam, select

from bot.store import raw, repo
from bot.store.models import Handoff

_LOOK_UP: Any = object()  # no account given: find it by phone


def agent_owns(s: Any, phone: str, account_id: Optional[str] = _LOOK_UP) -> bool:
    """True while a claimed handoff exists for `phone`'s account (or conversation id).

    The inbox turn passes the account it already found (`Turn.account_id`, None for an
    unknown number) so the check adds no second phone lookup on the hot path."""
    if account_id is _LOOK_UP:
        account = repo.find_account_by_phone(s, phone)
        account_id = account.account_id if account is not None else None
    return raw.execute(s, _owned_statement(account_id is not None),
                       {"phone": phone, "account_id": account_id}).first() is not None


@functools.cache
def _owned_statement(with_account: bool) -> Any:
    """`agent_owns`'s query, built once (every inbound SMS asks it)."""
    owner = Handoff.conversation_id == bindparam("phone", type_=Handoff.conversation_id.type)
    if with_account:
        owner = owner | (Handoff.account_id == bindparam("account_id",
                                                         type_=Handoff.account_id.type))
    return select(Handoff.id).where(Handoff.status == "claimed", owner).limit(1)
