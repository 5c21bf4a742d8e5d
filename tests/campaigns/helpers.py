"""A sender for tests that behaves like start_sms/start_call without Rasa or Twilio: the
real gate (`outbox.screen`, which records blocks and deferrals) and, when it allows, a
`sent` contact row, as the SMS output channel / start_call record it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import List, Optional, Tuple

from bot.campaigns.dispatcher import Claim
from bot.channels import outbox
from bot.channels.outbound import OutboundResult
from bot.channels.texts import text as fixed_text
from bot.config import get_settings
from bot.store import repo
from bot.store.db import session_scope

PORTFOLIO_HEADER = "account_id,name,phone,balance,language,timezone,pack,currency,due_date,risk_tier"


class GatedSender:
    """Callable sender; `sent` lists (account_id, step_key, at) of every real send."""

    def __init__(self, provider_sids: bool = False) -> None:
        self.sent: List[Tuple[str, str, datetime]] = []
        # with provider_sids, each send carries a fresh provider id, so a test can play the
        # provider's later status callbacks (`repo.update_contact_status`) on it
        self.provider_sids = provider_sids
        self.last_sid: Optional[str] = None

    async def __call__(self, claim: Claim, at: datetime) -> OutboundResult:
        with session_scope() as s:
            account = repo.get_account(s, claim.account_id)
            phone = repo.recipient_for(s, account).phones[0]
            body = claim.text if claim.channel == "sms" else fixed_text("help", account.language)
            screened = outbox.screen(s, phone=phone, text=body, channel=claim.channel,
                                     kind="outbound", at=at)
            if not screened.send:
                return OutboundResult(status=screened.decision.status, account_id=claim.account_id,
                                      phone=phone, reasons=outbox.reasons_of(screened.decision),
                                      next_allowed_at=screened.decision.next_allowed_at)
            self.last_sid = f"SM{uuid.uuid4().hex}" if self.provider_sids else None
            repo.record_contact(s, account_id=claim.account_id, channel=claim.channel,
                                direction="outbound", to=phone, from_=get_settings().twilio_number,
                                status="sent", text=screened.text, debt_id=screened.debt_id, at=at,
                                provider_sid=self.last_sid)
        self.sent.append((claim.account_id, claim.step_key, at))
        return OutboundResult(status="sent", account_id=claim.account_id, phone=phone)
