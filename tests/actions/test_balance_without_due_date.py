"""A portfolio may omit due_date (the CSV column is optional): the balance is then told
without a due date, never as "due -" / "到期日-" (found playing a debtor over SMS)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.reminders import ActionTellBalance
from tests.actions.conftest import EN_PHONE, ZH_PHONE, make_tracker
from tests.importing import import_csv

CSV = (
    "account_id,name,phone,balance,language,timezone,pack,currency,creditor,due_date\n"
    f"N1,Ada Lovelace,{EN_PHONE},1200.00,en,America/New_York,us,USD,Acme Bank,\n"
    f"N2,王芳,{ZH_PHONE},6000.00,zh,Asia/Shanghai,cn,CNY,Acme Bank,2026-12-04\n"
)
TEMPLATES = yaml.safe_load(Path("bot/domain/reminders.yml").read_text(encoding="utf-8"))["responses"]


@pytest.fixture
def undated(db, tmp_path: Path):
    import_csv(tmp_path, CSV)
    return db


def _said(dispatcher: CollectingDispatcher, lang: str) -> str:
    """The SMS wording of utter_balance filled with what the action passed."""
    (message,) = dispatcher.messages
    variants = [v for v in TEMPLATES[message["response"]] if not v.get("channel")]
    template = next(v["text"] for v in variants if bool(v.get("condition")) == (lang == "zh"))
    return template.format(**message)


async def test_no_due_date_is_not_said_as_a_dash(undated) -> None:
    dispatcher = CollectingDispatcher()
    await ActionTellBalance().run(dispatcher, make_tracker(
        intent="ask_balance", sender=EN_PHONE, slots={"account_id": "N1"}), {})
    said = _said(dispatcher, "en")
    assert said.startswith("Your balance with Acme Bank is $1,200.00. You can pay here: https://")
    assert "due" not in said


async def test_a_due_date_is_still_said_in_chinese(undated) -> None:
    dispatcher = CollectingDispatcher()
    await ActionTellBalance().run(dispatcher, make_tracker(
        intent="ask_balance", sender=ZH_PHONE, language="zh", slots={"account_id": "N2"}), {})
    said = _said(dispatcher, "zh")
    assert "，到期日2026年12月4日。还款链接：https://" in said and "-" not in said.split("还款链接")[0]
