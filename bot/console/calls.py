"""Live calls the bot transfers to a person with `<Dial>`: the call is tied to its handoff.

The voice channel calls `link_call` on the turn that produces the transfer; the newest open
handoff of the account gets the CallSid (shown on the console's handoff page) and the link
is an evidence record, so an audit can follow a transferred call to the person who took it.
"""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from bot.console.routing import OPEN, ensure_routing
from bot.store import evidence
from bot.store.models import Handoff


def link_call(s: Any, account_id: Optional[str], call_sid: Optional[str]) -> Optional[int]:
    """Attach `call_sid` to the account's newest open handoff; its id, or None if none."""
    if not account_id or not call_sid:
        return None
    handoff = s.execute(select(Handoff).where(Handoff.account_id == account_id,
                                              Handoff.status.in_(OPEN))
                        .order_by(Handoff.created_at.desc(), Handoff.id.desc()).limit(1)
                        ).scalars().first()
    if handoff is None:
        return None
    routing = ensure_routing(s, handoff)
    routing.call_sid = call_sid
    s.flush()
    evidence.append(s, "console.call_linked", account_id,
                    {"handoff_id": handoff.id, "call_sid": call_sid})
    return handoff.id
