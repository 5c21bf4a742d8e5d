"""Console agent actions for issue 13: recording the verification of a disputed debt (item
2: a disputed debt is not collected until verification is recorded) and the contact-at-work
flags (item 1). Both leave evidence and change what the gate allows."""

from __future__ import annotations

from sqlalchemy import select

from tests.channels.conftest import US_PHONE
from tests.console.conftest import MORNING, queue

US = "A-US-1"


def _rules() -> list:
    """The rules the gate names for an outbound collection text to the account now."""
    from bot.store import repo
    from bot.store.db import session_scope
    from compliance_filters import OutgoingMessage, gate, load_pack

    with session_scope() as s:
        recipient = repo.recipient_for(s, repo.get_account(s, US), US_PHONE)
    text = "Jane, this is Acme Services, a debt collector. Your balance is $500. Reply to set up a plan."
    return [r.rule for r in gate(load_pack("us"), OutgoingMessage(text, "sms", "outbound"), recipient, [],
                                 MORNING).reasons]


def _evidence(kind: str) -> list:
    import json

    from bot.store.db import session_scope
    from bot.store.models import EvidenceRecord

    with session_scope() as s:
        return [json.loads(p) for (p,) in s.execute(select(EvidenceRecord.payload).where(
            EvidenceRecord.kind == kind).order_by(EvidenceRecord.seq))]


async def test_a_disputed_debt_is_collected_again_only_after_an_agent_records_verification(console):
    from bot.store import repo
    from bot.store.db import session_scope

    with session_scope() as s:
        repo.set_status(s, US, "dispute", note="debtor said so")
    assert "status.dispute" in _rules()
    hid = queue(US, "dispute", US_PHONE)
    alice = console.browser()
    await alice.login("alice")
    await alice.post(f"/console/handoffs/{hid}/claim", {})
    # no arrangement while the dispute is in force
    status, page = await alice.post(f"/console/handoffs/{hid}/arrangement", {"kind": "plan", "months": "6"})
    assert status == 409 and "disputed" in page
    # bad input changes nothing
    status, page = await alice.post(f"/console/handoffs/{hid}/verification", {"method": "fax", "note": "x"})
    assert status == 409 and "method must be one of" in page
    status, page = await alice.post(f"/console/handoffs/{hid}/verification", {"method": "mail", "note": ""})
    assert status == 409
    assert "status.dispute" in _rules()
    status, page = await alice.post(f"/console/handoffs/{hid}/verification",
                                    {"method": "mail", "note": "itemization and original statement"})
    assert status == 200 and "Verification recorded" in page
    assert "status.dispute" not in _rules()
    [record] = _evidence("debt_verification")
    assert record["method"] == "mail" and record["source"] == "agent:alice"
    assert _evidence("console.debt_verification")[0]["agent"] == "alice"
    # a second one: nothing left to verify
    status, page = await alice.post(f"/console/handoffs/{hid}/verification", {"method": "mail", "note": "again"})
    assert status == 409 and "no dispute in force" in page
    status, page = await alice.post(f"/console/handoffs/{hid}/arrangement", {"kind": "plan", "months": "6"})
    assert status == 200 and "Arrangement recorded." in page


async def test_an_agent_flags_a_work_number_and_the_gate_stops_texting_it(console):
    hid = queue(US, "requested_human", US_PHONE)
    alice = console.browser()
    await alice.login("alice")
    await alice.post(f"/console/handoffs/{hid}/claim", {})
    assert "place.work" not in _rules()
    status, page = await alice.post(f"/console/handoffs/{hid}/workplace",
                                    {"work_phone": "+19995550000", "employer_prohibits": "yes"})
    assert status == 409 and "is not a number of account" in page
    assert "place.work" not in _rules()
    status, page = await alice.post(f"/console/handoffs/{hid}/workplace",
                                    {"work_phone": US_PHONE, "employer_prohibits": "yes"})
    assert status == 200 and "no_contact_at_work" in page and f"work_phone {US_PHONE}" in page
    assert "place.work" in _rules()
    assert _evidence("workplace")[0] == {"work_phone": US_PHONE, "employer_prohibits": True, "source": "agent"}
    status, _ = await alice.post(f"/console/handoffs/{hid}/workplace", {"employer_prohibits": "no"})
    assert status == 200 and "place.work" not in _rules()
