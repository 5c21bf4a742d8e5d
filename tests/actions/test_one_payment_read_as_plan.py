"""One sum on one day, read by the model as a plan proposal, is a promise of that sum.

Played over the webhook on the wave-10 model: "i wanna pay 150 on the 5th" on a $1,200
balance read as propose_installment (0.91); a plan proposal weighs it as 150 a month."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.negotiation import ActionEvaluateInstallment
from tests.actions.conftest import ZH_PHONE, export, make_tracker, responses


@pytest.mark.parametrize("text,lang,amount,on", [
    ("i wanna pay 150 on the 5th", "en", "150.00", "2026-12-05"),
    ("我12月5号先还500", "zh", "500.00", "2026-12-05"),
])
async def test_one_sum_on_one_day_is_a_promise(portfolio, capsys, text, lang, amount, on) -> None:
    dispatcher = CollectingDispatcher()
    sender = ZH_PHONE if lang == "zh" else None
    await ActionEvaluateInstallment().run(dispatcher, make_tracker(
        intent="propose_installment", text=text, language=lang,
        slots={"amount": amount, "date": on}, **({"sender": sender} if sender else {})), {})
    assert responses(dispatcher) == ["utter_promise_accepted"]
    [stored] = export("arrangements", capsys)
    assert (stored["kind"], Decimal(stored["total"])) == ("promise", Decimal(amount))


@pytest.mark.parametrize("text,slots", [
    ("i can pay 150 a month starting on the 5th", {"amount": "150.00", "date": "2026-12-05"}),
    ("150 every month from the 5th", {"amount": "150.00", "date": "2026-12-05"}),
    ("我每个月5号还500", {"amount": "500.00", "date": "2026-12-05"}),
    ("150 on the 5th for 6 months", {"amount": "150.00", "date": "2026-12-05", "months": "6"}),
])
async def test_a_repeating_sum_stays_a_plan(portfolio, capsys, text, slots) -> None:
    dispatcher = CollectingDispatcher()
    zh = "每" in text
    await ActionEvaluateInstallment().run(dispatcher, make_tracker(
        intent="propose_installment", text=text, language="zh" if zh else "en", slots=slots,
        **({"sender": ZH_PHONE} if zh else {})), {})
    assert "utter_promise_accepted" not in responses(dispatcher), text
    assert all(row["kind"] != "promise" for row in export("arrangements", capsys)), text
