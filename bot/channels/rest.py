"""The development REST channel and the terminal chat, with the same gate as Twilio.

`ScreeningCollector` collects the assistant's messages like Rasa's
`CollectingOutputChannel` but passes each text through the one send path (`outbox.send`,
as an SMS reply, shown rather than queued): what a developer sees is exactly what a
debtor could have received.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import clock
from bot.channels import outbox
from bot.store.db import session_scope

logger = logging.getLogger(__name__)


class ScreeningCollector(CollectingOutputChannel):
    """Collects only what passes the gate; a blocked text is replaced by the fallback if that passes."""

    def __init__(self, channel: str = "sms") -> None:
        super().__init__()
        self.channel = channel
        self.blocked: List[outbox.Screened] = []
        self.turn: Optional[outbox.Turn] = None

    @classmethod
    def name(cls) -> str:
        return "collector"

    async def _persist_message(self, message: Dict[str, Any]) -> None:
        text = message.get("text")
        if not text:
            return  # custom payloads (handoff signal) and images are not shown
        phone = message.get("recipient_id") or ""
        with session_scope() as s:
            if self.turn is None or self.turn.phone != phone:
                self.turn = outbox.turn_for(s, phone)
            screened = outbox.send(s, self.turn, text, channel=self.channel, deliver="show",
                                   fallback=not self.blocked)
        if screened.fallback or not screened.send:
            self.blocked.append(screened)
        if screened.send:
            self.messages.append({**message, "text": screened.text})


class ScreenedRestInput(RestInput):
    """Rasa's `rest` channel (same name and route), its replies screened. Development only."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("screened_rest_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            payload: Optional[Dict[str, Any]] = request.json if request.json else None
            if not isinstance(payload, dict) or not payload.get("sender") \
                    or not isinstance(payload.get("message"), str):
                return response.json({"error": "'sender' and 'message' are required"}, status=400)
            collector = ScreeningCollector("sms")
            metadata = {"at": clock.now().isoformat(), **(payload.get("metadata") or {})}
            try:
                await on_new_message(UserMessage(payload["message"], collector,
                                                 str(payload["sender"]),
                                                 input_channel=self.name(), metadata=metadata))
            except Exception:
                logger.exception("assistant failed on a rest message")
                return response.json({"error": "assistant failed"}, status=500)
            return response.json(collector.messages)

        return bp
