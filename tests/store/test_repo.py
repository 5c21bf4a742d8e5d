"""Repository functions against the real store (both backends): recipients, history,
opt-outs, statuses, verification, arrangements, handoffs, decisions, idempotency."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot import clock
from bot.cli import main
from bot.clock import FixedClock
from bot.store import evidence, repo
from bot.store.db import session_scope
from bot.store.models import EvidenceRecord
from tests.store.helpers import good_csv

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
EN = "+12025550143"
ALT = "+18505550100"
OURS = "+15005550006"


@pytest.fixture
def store(db, tmp_path):
    previous = clock.set_clock(FixedClock(NOW))
    assert main(["import", str(good_csv(tmp_path))]) == 0
    with session_scope() as s:  # give A1 an alternate phone
        from bot.store.models import Phone

        s.add(Phone(account_id="A1", e164=ALT, kind="alt", zones=["America/Chicago", "America/New_York"]))
    yield db
    clock.set_clock(previous)


def _kinds() -> list[str]:
    with session_scope() as s:
        return [k for (k,) in s.execute(select(EvidenceRecord.kind).order_by(EvidenceRecord.seq))]


def test_recipient_for_a_fresh_account(store):
    from compliance_filters import Recipient

    with session_scope() as s:
        account = repo.get_account(s, "A1")
        debt = repo.primary_debt(s, account)
        recipient = repo.recipient_for(s, account)
    assert recipient == Recipient(
        account_id="A1", debt_id=str(debt.id), phones=(EN, ALT), address_zones=("America/New_York",),
        language="en", verified=False, opted_out=frozenset(), statuses=frozenset(), inconvenient=(),
        mini_miranda_given=False, display_name="Ada Lovelace")


def test_recipient_reflects_what_the_store_knows(store):
    from compliance_filters import InconvenientTime

    with session_scope() as s:
        repo.record_optout(s, account_id="A1", phone=ALT, channel="sms", source="keyword")
        repo.set_status(s, "A1", "dispute", note="says it is not theirs")
        repo.set_status(s, "A1", "hardship")
        repo.add_inconvenient_time(s, "A1", time(9), time(17), weekdays=[0, 1, 2, 3, 4], note="at work")
        repo.mark_verified(s, "A1", ALT)
        repo.mark_mini_miranda_given(s, "A1")
    with session_scope() as s:
        r = repo.recipient_for(s, repo.get_account(s, "A1"), ALT)
    assert r.phones == (ALT, EN)
    assert (r.opted_out, r.statuses, r.verified, r.mini_miranda_given) == (
        frozenset({"sms"}), frozenset({"dispute"}), True, True)
    assert r.inconvenient == (InconvenientTime(time(9), time(17), frozenset(range(5)), "at work"),)
    with session_scope() as s:
        other = repo.recipient_for(s, repo.get_account(s, "A1"), EN, verified=None)
        forced = repo.recipient_for(s, repo.get_account(s, "A1"), EN, verified=True)
    assert (other.verified, other.opted_out, forced.verified) == (False, frozenset(), True)
    assert _kinds() == ["import", "optout", "status", "status", "inconvenient_time", "verified",
                        "mini_miranda"]


def test_verification_expires(store):
    with session_scope() as s:
        repo.mark_verified(s, "A1", EN)
    clock.get_clock().advance(timedelta(minutes=59))
    with session_scope() as s:
        assert repo.is_verified(s, "A1", EN)
        assert not repo.is_verified(s, "A1", ALT)
    clock.get_clock().advance(timedelta(minutes=2))
    with session_scope() as s:
        assert not repo.is_verified(s, "A1", EN)
        assert repo.is_verified(s, "A1", EN, within=timedelta(hours=2))


def test_wrong_number_is_flagged_and_left_out(store):
    with session_scope() as s:
        assert repo.mark_wrong_number(s, EN) == 1
    with session_scope() as s:
        account = repo.get_account(s, "A1")
        assert repo.recipient_for(s, account).phones == (ALT,)
        flagged = repo.recipient_for(s, account, EN)
        assert (flagged.phones, flagged.statuses) == ((EN, ALT), frozenset({"wrong_number"}))
        assert repo.find_account_by_phone(s, EN).account_id == "A1"


def test_optout_rules(store):
    with session_scope() as s:
        first = repo.record_optout(s, account_id="A1", phone=EN, channel="sms", source="keyword")
        again = repo.record_optout(s, account_id="A1", phone=EN, channel="sms", source="nlu")
        assert first.id == again.id
        assert repo.is_opted_out(s, EN, "sms") and not repo.is_opted_out(s, EN, "voice")
        repo.record_optout(s, account_id=None, phone="+13125550199", channel="all", source="agent")
        assert repo.is_opted_out(s, "+13125550199", "voice")
        assert repo.remove_optout(s, phone=EN, channel="sms", source="keyword") == 1
        assert not repo.is_opted_out(s, EN, "sms")
        assert repo.remove_optout(s, phone=EN, channel="sms", source="keyword") == 0
        with pytest.raises(ValueError):
            repo.record_optout(s, account_id="A1", phone=EN, channel="email", source="keyword")
    assert _kinds() == ["import", "optout", "optout", "optin"]


def test_contacts_history_and_status_updates(store):
    from compliance_filters import ContactRecord

    at = NOW - timedelta(hours=2)
    with session_scope() as s:
        debt_id = repo.primary_debt(s, repo.get_account(s, "A1")).id
        repo.record_contact(s, account_id="A1", channel="sms", direction="outbound", to=EN, from_=OURS,
                            status="sent", text="Hi Ada", provider_sid="SM1", debt_id=str(debt_id), at=at)
        repo.record_contact(s, account_id="A1", channel="sms", direction="outbound", to=EN, from_=OURS,
                            status="deferred", text="later", reasons=("window",), at=at)
        repo.record_contact(s, account_id="A1", channel="sms", direction="inbound", to=OURS, from_=EN,
                            status="received", text="who is this?", provider_sid="SM2", at=NOW)
        assert repo.update_contact_status(s, "SM1", "failed", error_code="21610").status == "failed"
        assert repo.update_contact_status(s, "SM-unknown", "delivered") is None
        with pytest.raises(ValueError):
            repo.update_contact_status(s, "SM1", "exploded")
        # a retried webhook with the same provider id updates, never duplicates
        again = repo.record_contact(s, account_id="A1", channel="sms", direction="inbound", to=OURS,
                                    from_=EN, status="received", text="who is this?", provider_sid="SM2")
        assert again.id == 3
    with session_scope() as s:
        history = repo.contact_history(s, "A1")
    assert history == [
        ContactRecord(at=at, channel="sms", debt_id=str(debt_id), number=EN, outcome="failed"),
        ContactRecord(at=NOW, channel="sms", debt_id="", number=EN, outcome="conversation",
                      initiated_by="debtor"),
    ]
    with session_scope() as s:  # the gate's horizon: only contacts at or after `since`
        assert [r.at for r in repo.contact_history(s, "A1", since=NOW)] == [NOW]
        assert [r.at for r in repo.contact_history(s, "A1", since=at)] == [at, NOW]
        assert repo.contact_history(s, "A1", since=NOW + timedelta(seconds=1)) == []
    assert _kinds() == ["import", "message.outbound", "message.outbound", "message.inbound",
                        "message.status", "message.inbound"]


def test_arrangement_handoff_and_decision(store, capsys):
    from compliance_filters import Decision, Reason

    with session_scope() as s:
        debt_id = repo.primary_debt(s, repo.get_account(s, "A1")).id
        plan = repo.create_arrangement(
            s, account_id="A1", debt_id=debt_id, kind="plan", total=Decimal("1200.00"), currency="USD",
            installments=[(date(2026, 12, 1), Decimal("600.00")), (date(2027, 1, 1), Decimal("600.00"))])
        assert [(i.seq, i.amount) for i in plan.installments] == [(1, Decimal("600.00")), (2, Decimal("600.00"))]
        handoff = repo.create_handoff(s, account_id="A1", reason="dispute", conversation_id=EN)
        assert (handoff.status, handoff.created_at) == ("queued", NOW)
        repo.record_decision(s, account_id="A1", channel="sms", text="Call +12025550143 now",
                             decision=Decision.block(Reason("phrase.threat_arrest", "arrest")))
        with pytest.raises(ValueError):
            repo.create_arrangement(s, account_id="A1", debt_id=None, kind="gift", total=Decimal(1),
                                    currency="USD", installments=[])
    with session_scope() as s:
        record = s.execute(select(EvidenceRecord).where(EvidenceRecord.kind == "decision")).scalar_one()
        assert "+12025550143" not in record.payload
        assert '"reasons":[{"match":"arrest","rule":"phrase.threat_arrest"}]' in record.payload
        assert evidence.verify(s).ok


def test_set_status_needs_a_known_account_and_status(store):
    with session_scope() as s:
        with pytest.raises(LookupError):
            repo.set_status(s, "nobody", "cease")
        with pytest.raises(ValueError):
            repo.set_status(s, "A1", "happy")
        repo.set_status(s, "A1", "cease")
        assert repo.get_account(s, "A1").statuses == frozenset({"cease"})


def test_claim_message_sid_once(store):
    with session_scope() as s:
        assert repo.claim_message_sid(s, "SM123") is True
        assert repo.claim_message_sid(s, "SM123") is False
    with session_scope() as s:
        assert repo.claim_message_sid(s, "SM123") is False
        assert repo.claim_message_sid(s, "SM124") is True


def test_lookups_of_unknown_things(store):
    with session_scope() as s:
        assert repo.get_account(s, "nope") is None
        assert repo.find_account_by_phone(s, "+13125550199") is None
        assert repo.contact_history(s, "nope") == []


def test_times_come_back_aware_utc(store):
    from datetime import timezone as tz

    with session_scope() as s:
        row = repo.create_handoff(s, account_id="A1", reason="x")
        handoff_id = row.id
    with session_scope() as s:
        from bot.store.models import Handoff

        assert s.get(Handoff, handoff_id).created_at.tzinfo == tz.utc
    with pytest.raises(Exception, match="naive datetime"):
        with session_scope() as s:
            repo.mark_verified(s, "A1", EN, at=datetime(2026, 1, 1))
