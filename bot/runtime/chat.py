"""`collectbot chat --account ID`: talk to the assistant in the terminal as that debtor.

The assistant runs in this process (the trained model from `ensure_model()`), the custom
actions in a child action server on a free port. The conversation id is the debtor's
primary phone, exactly as on SMS, and every bot message is screened as an SMS reply
before it is printed. Reads lines until EOF or `/quit`, so a pipe works as well as a tty.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Optional, TextIO

from bot import clock
from bot.channels.rest import ScreeningCollector
from bot.store import repo
from bot.store.db import session_scope


class ChatError(Exception):
    """The chat cannot start (unknown account, no phone)."""


def debtor_phone(account_id: str) -> tuple[str, str]:
    """The account's primary phone and time zone."""
    with session_scope() as s:
        account = repo.get_account(s, account_id)
        if account is None:
            raise ChatError(f"no account {account_id!r}; import a portfolio first")
        phones = repo.recipient_for(s, account).phones
        if not phones:
            raise ChatError(f"account {account_id!r} has no phone number")
        return phones[0], account.timezone or "UTC"


async def chat(account_id: str, stdin: Optional[TextIO] = None, stdout: Optional[TextIO] = None,
               *, model: Optional[str] = None) -> int:
    """Run the terminal conversation; returns the number of debtor lines handled."""
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import UserMessage
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    from bot.runtime.action_server import free_port, start_action_server, stop_process
    from bot.runtime.logs import configure_logs

    configure_logs(logging.WARNING)

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    phone, timezone = debtor_phone(account_id)
    if model is None:
        from bot.training import ensure_model

        model = str(ensure_model())
    port = free_port()
    proc = start_action_server(port)
    handled = 0
    try:
        endpoints = AvailableEndpoints(action=EndpointConfig(url=f"http://127.0.0.1:{port}/webhook"))
        agent = await load_agent(model_path=model, endpoints=endpoints)
        interactive = stdin.isatty()
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                stdout.write("you> ")
                stdout.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            text = line.strip()
            if text == "/quit":
                break
            if not text:
                continue
            if not interactive:
                stdout.write(f"you> {text}\n")
            collector = ScreeningCollector("sms")
            metadata = {"at": clock.now().isoformat(), "timezone": timezone}
            await agent.handle_message(UserMessage(text, collector, phone,
                                                   input_channel="twilio", metadata=metadata))
            for message in collector.messages:
                stdout.write(f"bot> {message['text']}\n")
            stdout.flush()
            handled += 1
    finally:
        stop_process(proc)
    return handled
