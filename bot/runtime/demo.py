"""`collectbot demo`: a scripted SMS conversation end to end, through the real webhook.

A fresh SQLite database under var/demo/ gets the schema and a demo portfolio; the
assistant runs as `collectbot run` would (child process) with Twilio redirected to a local
stand-in; each debtor line is posted to `/webhooks/twilio/webhook` signed exactly as Twilio
signs, and each bot line printed is what the stand-in received. Ends with the arrangement
the conversation created, read back from the store. Any step that fails stops the demo.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO

from bot.config import get_settings, reset_settings

_ENV_KEYS = ("DATABASE_URL", "COLLECTBOT_URL", "PUBLIC_URL", "TWILIO_API_BASE")


class DemoError(Exception):
    """A step of the demo failed; the message says which."""


def demo_script(account: Dict[str, Any]) -> List[str]:
    """The debtor's lines after the outbound reminder: confirm the name, verify, ask the
    (the reminder tells the balance), ask for a plan, propose one below the policy's floor (the bot counters),
    accept the counter-offer."""
    verify = (f"my date of birth is {account['dob']}" if account.get("dob")
              else f"the last 4 of my ID are {account['id_last4']}")
    return [
        "yes, that's me",
        verify,
        "can I pay monthly?",
        "I can do $20 a month",
        "ok, deal",
    ]


def _prepare(var_dir: Path, accounts: int) -> Path:
    from bot.cli import main as cli

    demo_dir = var_dir / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    db_file = demo_dir / "collectbot.db"
    db_file.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    reset_settings()
    csv_path = demo_dir / "portfolio.csv"
    for argv, what in ((["db", "upgrade"], "db upgrade"),
                       (["demo-data", "--accounts", str(accounts), "--seed", "7",
                         "--out", str(csv_path)], "demo-data"),
                       (["import", str(csv_path)], "import")):
        if cli(argv) != 0:
            raise DemoError(f"collectbot {what} failed")
    return demo_dir


def _arrangements(account_id: str) -> List[str]:
    from sqlalchemy import select

    from bot.store.db import session_scope
    from bot.store.models import Arrangement

    lines = []
    with session_scope() as s:
        rows = s.execute(select(Arrangement).where(Arrangement.account_id == account_id)).scalars()
        for a in rows:
            installments = ", ".join(f"{i.due_date} {i.amount}" for i in a.installments)
            lines.append(f"{a.kind} {a.total} {a.currency} [{a.status}]: {installments}")
    return lines


def run_demo(*, port: Optional[int] = None, accounts: int = 50, out: Optional[TextIO] = None) -> int:
    """Run the demo, printing the conversation; DemoError when anything goes wrong."""
    from bot.demo_data import DEMO_ACCOUNTS
    from bot.runtime.harness import RunningAssistant
    from bot.training import ensure_model

    out = out or sys.stdout
    saved = {key: os.environ.get(key) for key in _ENV_KEYS}
    try:
        demo_dir = _prepare(get_settings().var_dir, accounts)
        account = DEMO_ACCOUNTS[0]
        phone = account["phone"]
        print(f"collectbot demo: account {account['account_id']} ({account['name']}, {phone})",
              file=out, flush=True)
        model = ensure_model()
        print("starting the assistant (Rasa server + action server) ...", file=out, flush=True)
        with RunningAssistant(model, port=port, log_file=demo_dir / "server.log") as bot:
            from bot.channels.outbound import start_sms

            # this process starts the reminder, so it must reach the child server too
            os.environ.update({key: bot.env[key] for key in _ENV_KEYS if key != "DATABASE_URL"})
            reset_settings()
            result = asyncio.run(start_sms(account["account_id"]))
            print(f"-- outbound reminder: {result.status}"
                  + (f" until {result.next_allowed_at.isoformat()}" if result.next_allowed_at else "")
                  + (f" ({', '.join(result.reasons)})" if result.reasons else ""), file=out)
            for text in bot.replies_after(phone, 0):
                print(f"bot> {text}", file=out)
            for line in demo_script(account):
                seen = len(bot.standin.messages(phone))
                print(f"debtor> {line}", file=out, flush=True)
                status = bot.post_sms(phone, line)
                if status != 200:
                    raise DemoError(f"webhook answered HTTP {status} to {line!r} "
                                    f"(see {demo_dir / 'server.log'})")
                replies = bot.replies_after(phone, seen)
                if not replies:
                    raise DemoError(f"no reply to {line!r} (see {demo_dir / 'server.log'})")
                for text in replies:
                    print(f"bot> {text}", file=out, flush=True)
        arrangements = _arrangements(account["account_id"])
        print("-- arrangement in the store:", file=out)
        for line in arrangements or ["(none)"]:
            print(f"   {line}", file=out)
        if not arrangements:
            raise DemoError("the conversation did not create an arrangement")
        return 0
    except (RuntimeError, TimeoutError, OSError) as exc:
        raise DemoError(str(exc)) from exc
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings()
