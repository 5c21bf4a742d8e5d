"""The Recipient the gate sees carries what the store knows (issue 13 follow-up, item 1):
creditor names, state, time-barred debts and consents, so the library's checks that need
them work end to end through `outbox.screen`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels import outbox
from bot.store import repo
from bot.store.db import session_scope
from tests.importing import import_csv

US = "+12025550143"
CN = "+8613912345678"
CSV = (
    "account_id,name,phone,balance,language,timezone,pack,currency,creditor,state,time_barred\n"
    f"A1,John Smith,{US},1200.00,en,America/New_York,us,USD,Acme Bank,MA,true\n"
    f"Z1,王芳,{CN},6000.00,zh,Asia/Shanghai,cn,CNY,招商银行,,false\n"
)


@pytest.fixture
def accounts(db, tmp_path: Path):
    import_csv(tmp_path, CSV)
    return db


def test_recipient_carries_creditor_state_time_barred_and_consents(accounts):
    with session_scope() as s:
        repo.record_consent(s, account_id="A1", phone=US, channel="voice", source="import")
        r = repo.recipient_for(s, repo.get_account(s, "A1"))
        z = repo.recipient_for(s, repo.get_account(s, "Z1"))
    assert (r.creditors, r.state, r.time_barred) == (("Acme Bank",), "MA", True)
    assert "artificial_voice" in r.consents
    assert (z.creditors, z.state, z.time_barred, z.consents) == (("招商银行",), "", False, frozenset())


def test_withdrawn_consent_is_not_on_file(accounts):
    with session_scope() as s:
        repo.record_consent(s, account_id="A1", phone=US, channel="voice", source="import")
        repo.withdraw_consent(s, phone=US, channel="voice", source="nlu")
        assert "artificial_voice" not in repo.recipient_for(s, repo.get_account(s, "A1")).consents


@pytest.mark.parametrize("phone, text, creditor", [
    (US, "Hi John, about your account with Acme Bank, pay here: https://pay.example.com/A1",
     "acme bank"),
    (CN, "您在招商银行的信用卡账户还有待处理事项。", "招商银行"),
])
def test_creditor_name_is_withheld_from_an_unverified_recipient(accounts, phone, text, creditor):
    with session_scope() as s:
        screened = outbox.screen(s, phone=phone, text=text, channel="sms", kind="reply")
    assert not screened.send
    assert ("disclosure", creditor) in {(r.rule, r.match) for r in screened.decision.reasons}


def test_cn_caps_count_the_person_across_accounts(accounts, tmp_path):
    """Z2 is the same person as Z1 (same primary phone): three answered calls on Z2 today
    use up the person's three (GB/T 45251-2025), so a call about Z1 is deferred."""
    from datetime import datetime, timedelta, timezone

    import_csv(tmp_path, "account_id,name,phone,balance,language,timezone,pack,currency,creditor\n"
                         f"Z2,王芳,{CN},800.00,zh,Asia/Shanghai,cn,CNY,华夏银行\n", "second.csv")
    at = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
    with session_scope() as s:
        assert repo.same_person_accounts(s, repo.get_account(s, "Z1")) == ["Z1", "Z2"]
        before = outbox.screen(s, phone=CN, text="您好。", channel="voice", kind="outbound",
                               at=at, record=False)
        for minutes in (10, 20, 30):
            repo.record_contact(s, account_id="Z2", channel="voice", direction="outbound", to=CN,
                                from_="+15005550006", status="answered", text="",
                                at=at - timedelta(minutes=minutes))
        after = outbox.screen(s, phone=CN, text="您好。", channel="voice", kind="outbound",
                              at=at, record=False)
    assert before.decision.status == "allowed", before.decision.reasons
    assert after.decision.status == "deferred"
    assert "cap.voice_answered_daily" in {r.rule for r in after.decision.reasons}
