"""Accounts for the action tests, loaded through the public import command into the `db` fixture."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import pytest
from rasa_sdk import Tracker

from bot import clock
from bot.clock import FixedClock
from tests.importing import import_csv

EN_PHONE = "+12025550143"
ZH_PHONE = "+8613800138000"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)

CSV = (
    "account_id,name,phone,balance,language,timezone,pack,currency,creditor,principal,interest,fees,due_date,dob,id_last4,zip\n"
    f"A1,Ada Lovelace,{EN_PHONE},1200.00,en,America/New_York,us,USD,Acme Bank,1000.00,150.00,50.00,2026-11-01,1980-01-31,1234,20500\n"
    f"Z1,王芳,{ZH_PHONE},6000.00,zh,Asia/Shanghai,cn,CNY,Acme Bank,5000.00,800.00,200.00,2026-11-01,1985-06-15,5678,\n"
)


@pytest.fixture
def portfolio(db, tmp_path: Path):
    """The `db` fixture (tests/conftest.py) with two accounts imported, clock fixed."""
    import_csv(tmp_path, CSV)
    previous = clock.set_clock(FixedClock(NOW))
    yield db
    clock.set_clock(previous)


def export(kind: str, capsys) -> List[Dict[str, Any]]:
    from bot.cli import main

    capsys.readouterr()
    assert main(["export", kind, "--format", "jsonl"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    intent: Optional[str] = None,
    entities: Iterable[Dict[str, Any]] = (),
    text: str = "",
    sender: str = EN_PHONE,
    language: str = "en",
    events: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
    input_channel: Optional[str] = None,
) -> Tracker:
    """A real rasa_sdk Tracker as the action server would build it."""
    base = {
        "account_id": "A1" if sender == EN_PHONE else "Z1",
        "language": language,
        "pack": "us" if sender == EN_PHONE else "cn",
        "debtor_name": "Ada Lovelace" if sender == EN_PHONE else "王芳",
        "verified": True,
        "verification_attempts": 0.0,
        "negotiation_rounds": 0.0,
    }
    message = {
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": [dict(e) for e in entities],
        "text": text,
        "language": language,
        "emotion": {"negative": False, "score": 0.0},
    }
    user_event = {"event": "user", "text": text, "parse_data": message, "input_channel": input_channel}
    return Tracker(
        sender_id=sender,
        slots={**base, **(slots or {})},
        latest_message=message,
        events=(events or []) + [user_event],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def responses(dispatcher) -> List[Optional[str]]:
    return [m.get("response") for m in dispatcher.messages]
