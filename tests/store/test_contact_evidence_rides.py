"""An inbound message's contact row and its evidence in one statement (PostgreSQL,
`record_contact(evidence_now=True)`, as an inbox claim records it): the record is the one
`append` would have written (same payload, the new row's id in it), after the records the
transaction appended before it, and the chain verifies."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select

from bot.store import evidence, repo
from bot.store.db import get_engine, session_scope
from bot.store.models import ContactAttempt, EvidenceRecord
from tests.store.helpers import EN, OURS

AT = datetime(2026, 12, 1, 3, 0, 0, 123456, tzinfo=timezone.utc)


def _statements() -> tuple:
    seen: list = []

    def before(_conn, _cursor, sql, *_args):
        seen.append(sql)

    event.listen(get_engine(), "before_cursor_execute", before)
    return seen, before


@pytest.mark.parametrize("evidence_now", [False, True])
def test_the_contact_evidence_is_the_same_whether_it_rides_or_not(store, evidence_now):
    with session_scope() as s:  # a record pending before it, as a claim's might be
        evidence.append(s, "note", "A1", {"n": 1}, at=AT)
        seen, listener = _statements()
        try:
            contact = repo.record_contact(
                s, account_id="A1", channel="sms", direction="inbound", to=OURS, from_=EN,
                status="received", text='hi "contact_id":5 there', provider_sid="SMin1",
                at=AT, new=True, evidence_now=evidence_now)
        finally:
            event.remove(get_engine(), "before_cursor_execute", listener)
    appends = [sql for sql in seen if "collectbot_evidence_append" in sql]
    if store.startswith("postgresql") and evidence_now:
        # the INSERT carries both records; nothing is left for the commit
        assert len(seen) == 1 and appends == seen and "INSERT INTO contact_attempts" in seen[0]
    with session_scope() as s:
        assert evidence.verify(s).ok
        stored = s.execute(select(ContactAttempt.id, ContactAttempt.text)).one()
        assert stored == (contact.id, 'hi "contact_id":5 there')
        records = s.execute(select(EvidenceRecord.kind, EvidenceRecord.payload)
                            .order_by(EvidenceRecord.seq)).all()
    assert [kind for kind, _ in records][-2:] == ["note", "message.inbound"]
    payload = json.loads(records[-1].payload)
    assert payload["contact_id"] == contact.id
    assert payload["provider_sid"] == "SMin1" and payload["status"] == "received"


def test_with_new_id_refuses_a_payload_it_cannot_place_the_id_in():
    """Only a payload whose own key holds the placeholder twice is ambiguous."""
    nested = {"x": {"contact_id": evidence._ID_MARK}}
    with pytest.raises(ValueError):
        evidence.with_new_id(None, "k", AT, "A1", nested, "contact_id")
    params = evidence.with_new_id(None, "k", AT, "A1", {"x": {"contact_id": 1}}, "contact_id")
    assert params["payload_head"].endswith('"contact_id":')
