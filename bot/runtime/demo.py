"""`collectbot demo`: scripted SMS conversations end to end, in English and Chinese.

Per language, a fresh SQLite database under var/demo/<lang>/ gets the schema and a demo
portfolio; the assistant runs as `collectbot run` would (child process) with Twilio
redirected to a local stand-in. The conversation is started the way production starts it:
the campaign dispatcher (`campaign run --now`) at the first instant where the demo
account has an SMS step due inside its calling window, so the debtor's first message is
the campaign's own template. The assistant and the dispatcher share one clock that starts
at that instant (COLLECTBOT_CLOCK_START), so the demo passes at any real hour. Each debtor
line is then posted to `/webhooks/twilio/webhook` signed exactly as Twilio signs, and each
bot line printed is what the stand-in received. Ends with the campaign summary and the
arrangement read back from the store. Any step that fails stops the demo (exit 1).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time as monotonic
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, TextIO, Tuple

from bot.config import get_settings, reset_settings

_ENV_KEYS = ("DATABASE_URL", "COLLECTBOT_URL", "PUBLIC_URL", "TWILIO_API_BASE",
             "COLLECTBOT_CLOCK_START")


class DemoError(Exception):
    """A step of the demo failed; the message says which."""


#: what `--lang` accepts; "both" runs English then Chinese
LANGUAGES = ("en", "zh", "both")
#: what each language's script must leave in the store
EXPECTED_ARRANGEMENT = {"en": "plan", "zh": "promise"}


def demo_script(account: Dict[str, Any]) -> List[str]:
    """The debtor's lines after the campaign's reminder, in the account's language.

    English: confirm the name, verify by date of birth, ask for a plan, propose one below
    the policy's floor (the bot counters), accept the counter-offer. Chinese, written the
    way a Chinese debtor texts: confirm, verify by the ID card's last 4, ask what is owed,
    then promise a payment next month (`我下月5号还两千`) and accept the date the policy
    allows."""
    if account.get("language") == "zh":
        return [
            "是我",
            f"身份证尾号{account['id_last4']}",
            "我现在还欠多少？",
            "我下月5号还两千",
            "好的",
        ]
    verify = (f"my date of birth is {account['dob']}" if account.get("dob")
              else f"the last 4 of my ID are {account['id_last4']}")
    return [
        "yes, that's me",
        verify,
        "can I pay monthly?",
        "I can do $20 a month",
        "ok, deal",
    ]


def demo_account(language: str) -> Dict[str, str]:
    """The fixed demo account that speaks `language` (bot.demo_data.DEMO_ACCOUNTS)."""
    from bot.demo_data import DEMO_ACCOUNTS

    for account in DEMO_ACCOUNTS:
        if account["language"] == language:
            return account
    raise DemoError(f"no demo account speaks {language!r}")


def campaign_instant(account_id: str, campaigns: Sequence[Any], start: datetime,
                     days: int = 28, local_hour: int = 10) -> Tuple[datetime, Any]:
    """The first instant from `start` (at `local_hour` on the account's local day) at which
    the planner has an SMS step with a template due for `account_id`: the dispatcher's
    `--now` for the demo. Returns (instant, planned item)."""
    from zoneinfo import ZoneInfo

    from bot.campaigns.planner import PACK_ZONE, plan
    from bot.store.db import session_scope
    from bot.store.models import Account

    with session_scope() as s:
        account = s.get(Account, account_id)
        if account is None:
            raise DemoError(f"no account {account_id} in the demo store")
        zone = ZoneInfo(account.timezone or PACK_ZONE.get(account.pack, "UTC"))
        first_day = start.astimezone(zone).date()
        grace = get_settings().promise_grace_days
        for offset in range(days):
            local = datetime.combine(first_day + timedelta(days=offset), time(local_hour),
                                     tzinfo=zone)
            instant = local.astimezone(timezone.utc)
            for item in plan(s, campaigns, instant, grace):
                if (item.account_id == account_id and item.channel == "sms"
                        and item.step is not None and item.step.template(item.language)):
                    return instant, item
    raise DemoError(f"no campaign SMS step falls due for {account_id} "
                    f"in the {days} days from {first_day}")


def _prepare(demo_dir: Path, accounts: int) -> Path:
    from bot.cli import main as cli

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


def run_demo(*, port: Optional[int] = None, accounts: int = 50, out: Optional[TextIO] = None,
             lang: str = "both") -> int:
    """Run the demo in `lang` (en, zh or both, one after the other), printing each
    conversation; DemoError when any step of any language fails."""
    if lang not in LANGUAGES:
        raise DemoError(f"--lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    out = out or sys.stdout
    for language in (("en", "zh") if lang == "both" else (lang,)):
        started = monotonic.monotonic()
        run_one(language, port=port, accounts=accounts, out=out)
        print(f"== demo ({language}) passed in {monotonic.monotonic() - started:.1f}s",
              file=out, flush=True)
    return 0


def _say_conversation(bot: Any, phone: str, account: Dict[str, Any], demo_dir: Path,
                      out: TextIO) -> None:
    """Play the debtor's script through the signed webhook, printing both sides."""
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


def run_one(language: str, *, port: Optional[int] = None, accounts: int = 50,
            out: Optional[TextIO] = None) -> None:
    """One language's demo: a fresh store, the dispatcher opens the conversation with the
    campaign step's own text, the debtor answers, and the arrangement must be stored."""
    from rich.console import Console

    from bot import clock
    from bot.campaigns.definitions import load_campaigns, render
    from bot.campaigns.dispatcher import run_once
    from bot.cli.campaign_commands import _print_summary
    from bot.runtime.harness import RunningAssistant
    from bot.training import ensure_model

    out = out or sys.stdout
    saved = {key: os.environ.get(key) for key in _ENV_KEYS}
    previous_clock = None
    try:
        demo_dir = _prepare(get_settings().var_dir / "demo" / language, accounts)
        account = demo_account(language)
        phone = account["phone"]
        campaigns = load_campaigns()
        instant, step = campaign_instant(account["account_id"], campaigns, clock.now())
        settings = get_settings()
        notice = render(step.step, step.language, {
            "name": step.name, "company": settings.company_for(step.language),
            "callback": settings.callback_number})
        print(f"collectbot demo ({language}): account {account['account_id']} "
              f"({account['name']}, {phone}); campaign {step.campaign} step {step.step_key} "
              f"is due at {instant.isoformat()}", file=out, flush=True)
        model = ensure_model()
        # the assistant and this process run on one timeline that starts at `instant`
        os.environ["COLLECTBOT_CLOCK_START"] = instant.isoformat()
        reset_settings()
        print("starting the assistant (Rasa server + action server) ...", file=out, flush=True)
        with RunningAssistant(model, port=port, log_file=demo_dir / "server.log") as bot:
            # the dispatcher in this process starts the reminder against the child server
            os.environ.update({key: bot.env[key] for key in _ENV_KEYS if key != "DATABASE_URL"})
            reset_settings()
            previous_clock = clock.set_clock(clock.StartedClock(instant))
            print(f"-- campaign run --now {instant.isoformat()}", file=out, flush=True)
            summary = asyncio.run(run_once(campaigns=campaigns))
            _print_summary(summary, Console(file=out, highlight=False, width=80))
            opening = bot.replies_after(phone, 0)
            for text in opening:
                print(f"bot> {text}", file=out)
            if not opening or notice not in opening[0]:
                raise DemoError(f"the first message to {phone} is not the campaign's "
                                f"{step.step_key} text {notice!r} (got {opening[:1]!r}; "
                                f"see {demo_dir / 'server.log'})")
            _say_conversation(bot, phone, account, demo_dir, out)
        arrangements = _arrangements(account["account_id"])
        print("-- arrangement in the store:", file=out)
        for line in arrangements or ["(none)"]:
            print(f"   {line}", file=out)
        kind = EXPECTED_ARRANGEMENT[language]
        if not any(line.startswith(f"{kind} ") and "[accepted]" in line for line in arrangements):
            raise DemoError(f"the {language} conversation did not store an accepted {kind}")
    except (RuntimeError, TimeoutError, OSError) as exc:
        raise DemoError(str(exc)) from exc
    finally:
        if previous_clock is not None:
            clock.set_clock(previous_clock)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings()
