"""The console over HTTP: logins, sessions, CSRF, queues, replies through the gate, the bot
stepping aside, arrangements through the negotiation engine, supervisors and evidence."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.cli import main
from tests.channels.conftest import CN_PHONE, US_PHONE
from tests.console.conftest import PASSWORD, queue

US, CN = "A-US-1", "A-CN-1"


def _evidence_kinds() -> list:
    from bot.store.db import session_scope
    from bot.store.models import EvidenceRecord

    with session_scope() as s:
        return [k for (k,) in s.execute(select(EvidenceRecord.kind).order_by(EvidenceRecord.seq))]


def _handoff(handoff_id: int):
    from bot.store.db import session_scope
    from bot.store.models import Handoff

    with session_scope() as s:
        return s.get(Handoff, handoff_id)


# ---------------------------------------------------------------- the CLI
def test_agent_add_stores_an_argon2_hash_and_refuses_bad_input(db, monkeypatch, capsys):
    from bot.store.db import session_scope
    from bot.store.models import Agent

    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-passphrase\n"))
    assert main(["agent", "add", "bob", "--role", "agent", "--lang", "en,zh", "--skills", "legal",
                 "--password-stdin"]) == 0
    assert "agent bob (agent; en,zh" in capsys.readouterr().out
    with session_scope() as s:
        bob = s.execute(select(Agent).where(Agent.name == "bob")).scalar_one()
        assert bob.password_hash.startswith("$argon2")
        assert "s3cret" not in bob.password_hash
        assert (bob.languages, bob.packs, bob.skills) == (["en", "zh"], ["us", "cn"], ["legal"])
    for argv, stdin, message in [
        (["agent", "add", "bob", "--role", "agent"], "another-password\n", "already exists"),
        (["agent", "add", "carol", "--role", "agent"], "short\n", "at least 8 characters"),
        (["agent", "add", "carol", "--role", "agent", "--lang", "fr"], "long-enough-pw\n", "--lang"),
    ]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        assert main(argv + ["--password-stdin"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err
    with session_scope() as s:
        assert [a.name for a in s.execute(select(Agent)).scalars()] == ["bob"]


# ---------------------------------------------------------------- no page without login
async def test_every_route_needs_a_login(console):
    hid = queue(US, "requested_human", US_PHONE)
    anon = console.browser()
    for path in ("/console", "/console/", "/console/queue", f"/console/handoffs/{hid}"):
        status, where = await anon.get(path)
        assert status == 303, path
    status, _ = await anon.get(f"/console/handoffs/{hid}")
    assert status == 303
    async with anon.http.get(console.url + f"/console/handoffs/{hid}") as resp:
        body = await resp.text()
    assert "Jane Doe" not in body and 'name="password"' in body  # redirected to the login form
    assert (await anon.get(f"/console/poll?h={hid}"))[0] == 401
    for action in ("claim", "reply", "arrangement", "close", "reassign", "verification", "workplace"):
        status, body = await anon.post(f"/console/handoffs/{hid}/{action}", {"text": "hi"}, csrf="x")
        assert status == 401 and "Jane" not in body, action
    assert (await anon.post("/console/logout", {}, csrf="x"))[0] == 401
    assert _handoff(hid).status == "queued"


async def test_login_checks_the_password_and_the_login_form_token(console):
    b = console.browser()
    assert await b.login("alice", "wrong password") == 401
    assert await b.login("nobody", PASSWORD) == 401
    status, _ = await b.post("/console/login", {"name": "alice", "password": PASSWORD}, csrf="forged")
    assert status == 403
    assert await b.login("alice") == 303
    status, page = await b.get("/console/queue")
    assert status == 200 and "alice (agent)" in page
    assert "console.login" in _evidence_kinds()


async def test_expired_sessions_are_rejected(console, fixed_clock):
    b = console.browser()
    assert await b.login("alice") == 303
    fixed_clock.advance(timedelta(minutes=29))
    assert (await b.get("/console/queue"))[0] == 200  # use extends the session
    fixed_clock.advance(timedelta(minutes=31))
    assert (await b.get("/console/queue"))[0] == 303
    assert (await b.get("/console/poll"))[0] == 401


async def test_polling_does_not_keep_a_session_alive(console, fixed_clock):
    b = console.browser()
    assert await b.login("alice") == 303
    for _ in range(31):
        fixed_clock.advance(timedelta(minutes=1))
        status, _ = await b.get("/console/poll")
        if status != 200:
            break
        await b.get("/console/queue", headers={"X-Console-Poll": "1"})  # the page's own refresh
    assert status == 401
    assert (await b.get("/console/queue"))[0] == 303


async def test_logout_ends_the_session(console):
    b = console.browser()
    assert await b.login("alice") == 303
    assert (await b.post("/console/logout", {}))[0] == 303
    assert (await b.get("/console/queue"))[0] == 303


async def test_csrf_is_enforced_on_every_form(console):
    hid = queue(US, "requested_human", US_PHONE)
    b = console.browser()
    assert await b.login("alice") == 303
    for token in (None, "forged"):
        for action, form in [("claim", {}), ("reply", {"text": "hello"}),
                             ("arrangement", {"kind": "plan", "months": "3"}),
                             ("verification", {"method": "mail", "note": "statement"}),
                             ("workplace", {"employer_prohibits": "yes"}),
                             ("close", {"outcome": "resolved"})]:
            status, _ = await b.post(f"/console/handoffs/{hid}/{action}", form, csrf=token)
            assert status == 403, (action, token)
    assert (await b.post("/console/logout", {}, csrf=None))[0] == 403
    assert _handoff(hid).status == "queued"
    assert console.channels.standin.messages() == []


# ---------------------------------------------------------------- queues and rights
async def test_an_agent_cannot_read_a_conversation_outside_their_queue(console):
    await console.channels.sms(US_PHONE, "my account number is secret-ish")
    hid = queue(US, "requested_human", US_PHONE)
    li = console.browser()
    assert await li.login("li") == 303  # zh / cn: not this (en / us) queue
    status, body = await li.get(f"/console/handoffs/{hid}")
    assert status == 404 and "secret-ish" not in body and "Jane" not in body
    assert (await li.get(f"/console/poll?h={hid}"))[0] == 404
    _, page = await li.get("/console/queue")
    assert f"handoff-{hid}" not in page
    status, _ = await li.post(f"/console/handoffs/{hid}/claim", {})
    assert status == 404 and _handoff(hid).status == "queued"
    assert (await li.post(f"/console/handoffs/{hid}/reassign", {"agent": "li"}))[0] == 403
    alice = console.browser()
    assert await alice.login("alice") == 303
    status, body = await alice.get(f"/console/handoffs/{hid}")
    assert status == 200 and "secret-ish" in body


async def test_queue_is_sorted_by_priority_and_flags_sla_breaches(console, fixed_clock):
    # three conversations (one open handoff per conversation): an SMS thread and two calls
    request = queue(US, "requested_human", US_PHONE)
    dispute = queue(US, "dispute", "CA" + "1" * 32)
    distress = queue(US, "distress", "CA" + "2" * 32)
    sam = console.browser()
    assert await sam.login("sam") == 303
    _, page = await sam.get("/console/queue")
    order = [page.index(f"handoff-{h}") for h in (distress, dispute, request)]
    assert order == sorted(order)
    assert "breach" not in page[page.index('id="handoff-'):]
    fixed_clock.advance(timedelta(minutes=16))  # distress allows 15 minutes by default
    _, page = await sam.get("/console/queue")
    row = page[page.index(f"handoff-{distress}"):page.index(f"handoff-{dispute}")]
    assert "SLA breached" in row
    assert "SLA breached" not in page[page.index(f"handoff-{dispute}"):]


async def test_a_second_reason_joins_the_open_handoff_and_raises_its_priority(console, fixed_clock):
    from bot.store.db import session_scope
    from bot.store.models import HandoffRouting

    first = queue(US, "requested_human", US_PHONE)
    again = queue(US, "distress", US_PHONE)
    assert again == first
    assert _handoff(first).reason == "requested_human,distress"
    with session_scope() as s:
        routing = s.get(HandoffRouting, first)
        assert routing.priority == 0  # distress first
        assert routing.due_at <= fixed_clock.now() + timedelta(minutes=15)


# ---------------------------------------------------------------- the conversation
async def test_claim_reply_reaches_the_debtor_and_the_bot_steps_aside_until_hand_back(console):
    channels = console.channels
    await channels.sms(US_PHONE, "I want to talk to a person")
    assert len(channels.assistant.received) == 1
    hid = queue(US, "requested_human", US_PHONE)
    alice = console.browser()
    assert await alice.login("alice") == 303
    _, page = await alice.get("/console/queue")
    assert f"handoff-{hid}" in page
    status, page = await alice.post(f"/console/handoffs/{hid}/claim", {})
    assert status == 200 and "Send" in page
    assert _handoff(hid).status == "claimed" and _handoff(hid).agent == "alice"

    before = len(channels.standin.messages(US_PHONE))
    await channels.sms(US_PHONE, "hello? anyone there")
    assert len(channels.assistant.received) == 1  # the bot did not see it
    assert len(channels.standin.messages(US_PHONE)) == before  # nor answer it
    _, page = await alice.get(f"/console/handoffs/{hid}")
    assert "hello? anyone there" in page

    status, page = await alice.post(f"/console/handoffs/{hid}/reply",
                                    {"text": "Hi, this is Alice. How can I help?"})
    assert status == 200 and "Sent." in page
    await console.sender.drain()  # the outbox sender delivers it in conversation order
    sent = channels.standin.messages(US_PHONE)[-1]
    assert sent.body.startswith("Hi, this is Alice. How can I help?")
    assert "Reply STOP to opt out." in sent.body  # the gate's required content was added
    assert sent.form["From"] == "+15005550006"

    status, page = await alice.post(f"/console/handoffs/{hid}/close", {"outcome": "handed_back"})
    assert status == 200 and "Closed." in page
    await channels.sms(US_PHONE, "ok thanks")
    assert [m.text for m in channels.assistant.received][-1] == "ok thanks"
    kinds = _evidence_kinds()
    for kind in ("console.claim", "console.view", "console.reply", "console.hand_back"):
        assert kind in kinds
    assert main(["evidence", "verify"]) == 0


async def test_a_banned_reply_is_refused_with_its_rule_and_never_sent(console, capsys):
    await console.channels.sms(US_PHONE, "get me a human")
    hid = queue(US, "requested_human", US_PHONE)
    alice = console.browser()
    await alice.login("alice")
    await alice.post(f"/console/handoffs/{hid}/claim", {})
    before = len(console.channels.standin.messages())
    status, page = await alice.post(f"/console/handoffs/{hid}/reply",
                                    {"text": "Pay now or you will be arrested"})
    assert status == 422
    assert "phrase.threat_arrest" in page and "banned wording" in page
    assert "Pay now or you will be arrested</textarea>" in page  # the draft is kept to edit
    assert len(console.channels.standin.messages()) == before
    assert main(["export", "contacts"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    blocked = [r for r in rows if r["status"] == "blocked"]
    assert len(blocked) == 1 and "phrase.threat_arrest: arrested" in blocked[0]["reasons"]


async def test_a_reply_outside_the_contact_window_never_leaves(console, fixed_clock):
    hid = queue(US, "requested_human", US_PHONE)  # the debtor has not written: a new contact
    alice = console.browser()
    await alice.login("alice")
    await alice.post(f"/console/handoffs/{hid}/claim", {})
    fixed_clock.instant = datetime(2026, 12, 2, 3, 30, tzinfo=timezone.utc)  # 22:30 in New York
    await alice.login("alice")
    status, page = await alice.post(f"/console/handoffs/{hid}/reply", {"text": "Hello Jane"})
    assert status == 422 and "window" in page and "outside the debtor" in page
    assert console.channels.standin.messages() == []


async def test_zh_agent_sees_chinese_and_cn_replies_are_screened(console):
    await console.channels.sms(CN_PHONE, "我要人工")
    hid = queue(CN, "requested_human", CN_PHONE)
    li = console.browser()
    assert await li.login("li") == 303
    _, page = await li.get("/console/queue")
    assert "队列" in page and 'lang="zh-CN"' in page
    await li.post(f"/console/handoffs/{hid}/claim", {})
    status, page = await li.post(f"/console/handoffs/{hid}/reply", {"text": "不还钱就通知你的单位"})
    assert status == 422 and "phrase.third_party_threat" in page and "禁止用语" in page
    _, page = await li.get("/console/queue?lang=en")
    assert "Queue" in page


# ---------------------------------------------------------------- arrangements
async def test_arrangements_go_through_the_negotiation_policy(console, capsys):
    hid = queue(US, "requested_human", US_PHONE)
    alice = console.browser()
    await alice.login("alice")
    status, page = await alice.post(f"/console/handoffs/{hid}/arrangement",
                                    {"kind": "plan", "months": "3"})
    assert status == 409 and "claim this conversation first" in page
    await alice.post(f"/console/handoffs/{hid}/claim", {})
    status, page = await alice.post(f"/console/handoffs/{hid}/arrangement",
                                    {"kind": "plan", "months": "48"})
    assert status == 422 and "Not within policy" in page and "longer than the longest plan" in page
    status, page = await alice.post(f"/console/handoffs/{hid}/arrangement",
                                    {"kind": "plan", "amount": "abc"})
    assert status == 409 and "must be a number" in page
    status, page = await alice.post(f"/console/handoffs/{hid}/arrangement",
                                    {"kind": "promise", "amount": "50", "on": "next week"})
    assert status == 409 and "YYYY-MM-DD" in page
    status, page = await alice.post(f"/console/handoffs/{hid}/arrangement",
                                    {"kind": "promise", "amount": "50", "on": "2027-03-01"})
    assert status == 422 and "days away" in page
    assert main(["export", "arrangements"]) == 0
    assert capsys.readouterr().out == ""
    status, page = await alice.post(f"/console/handoffs/{hid}/arrangement",
                                    {"kind": "plan", "months": "6"})
    assert status == 200 and "Arrangement recorded." in page
    assert main(["export", "arrangements"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["account_id"] == US and row["kind"] == "plan" and len(row["installments"]) == 6
    # the debtor changes their mind: the agent's new plan replaces the open one, as the
    # assistant's does (two open arrangements would remind the debtor of both)
    status, page = await alice.post(f"/console/handoffs/{hid}/arrangement",
                                    {"kind": "plan", "months": "3"})
    assert status == 200 and "Arrangement recorded." in page
    assert main(["export", "arrangements"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(len(r["installments"]), r["status"]) for r in rows] == [(6, "cancelled"), (3, "accepted")]
    status, page = await alice.post(f"/console/handoffs/{hid}/close", {"outcome": "resolved"})
    assert status == 200 and _handoff(hid).status == "resolved"
    assert main(["export", "handoffs"]) == 0
    exported = json.loads(capsys.readouterr().out.splitlines()[0])
    assert exported["status"] == "resolved" and exported["agent"] == "alice"
    kinds = _evidence_kinds()
    assert {"console.arrangement_refused", "console.arrangement", "console.resolve"} <= set(kinds)


# ---------------------------------------------------------------- supervisors
async def test_supervisors_reassign_within_matching_queues(console):
    hid = queue(US, "dispute", US_PHONE)
    alice, sam = console.browser(), console.browser()
    await alice.login("alice")
    assert (await alice.post(f"/console/handoffs/{hid}/reassign", {"agent": "alice"}))[0] == 403
    await sam.login("sam")
    status, page = await sam.post(f"/console/handoffs/{hid}/reassign", {"agent": "li"})
    assert status == 409 and "does not match" in page
    status, _ = await sam.post(f"/console/handoffs/{hid}/reassign", {"agent": "alice"})
    assert status == 200 and _handoff(hid).agent == "alice"
    assert "console.assigned" in _evidence_kinds()


async def test_poll_changes_when_a_new_handoff_arrives(console):
    alice = console.browser()
    await alice.login("alice")
    status, first = await alice.get("/console/poll")
    assert status == 200
    hid = queue(US, "requested_human", US_PHONE)
    _, second = await alice.get("/console/poll")
    assert json.loads(first)["version"] != json.loads(second)["version"]
    assert json.loads(second)["open"] == 1
    # a free, logged-in matching agent gets it assigned at once
    assert _handoff(hid).agent == "alice"


@pytest.mark.parametrize("text", ["distress=5x", "=1h", "distress"])
def test_bad_sla_settings_are_named(text):
    from bot.console.routing import parse_sla

    with pytest.raises(ValueError, match="COLLECTBOT_HANDOFF_SLA"):
        parse_sla(text)


async def test_debtor_text_is_escaped_in_the_console(console):
    await console.channels.sms(US_PHONE, "<script>alert(1)</script>")
    hid = queue(US, "requested_human", US_PHONE)
    alice = console.browser()
    await alice.login("alice")
    _, page = await alice.get(f"/console/handoffs/{hid}")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_supervisors_see_every_queue_with_its_counts(console, fixed_clock):
    queue(US, "dispute", US_PHONE)
    queue(CN, "requested_human", CN_PHONE)
    queue(CN, "distress", "CA" + "4" * 32)  # a call: its own conversation, its own handoff
    fixed_clock.advance(timedelta(minutes=20))
    sam = console.browser()
    await sam.login("sam")
    _, page = await sam.get("/console/queue")
    table = page[page.index('id="queues"'):page.index("</table>")]
    assert "en/us/legal</td><td>1</td><td>0</td><td>0</td>" in table
    assert "zh/cn/-</td><td>1</td><td>0</td><td>0</td>" in table
    assert 'zh/cn/hardship</td><td>1</td><td>0</td><td class="breach">1</td>' in table
    assert "asked for a person" in page
    alice = console.browser()
    await alice.login("alice")
    _, page = await alice.get("/console/queue")
    assert 'id="queues"' not in page and "dispute" in page and "asked for a person" not in page


async def test_repeated_wrong_passwords_lock_the_name_for_a_while(console, fixed_clock):
    b = console.browser()
    for _ in range(5):
        assert await b.login("alice", "not the password") == 401
    assert await b.login("alice") == 401  # locked: the right password does not help
    assert "console.locked" in _evidence_kinds()
    fixed_clock.advance(timedelta(minutes=16))
    assert await b.login("alice") == 303


async def test_a_late_reply_in_a_live_conversation_waits_for_the_window(console, fixed_clock):
    fixed_clock.instant = datetime(2026, 12, 2, 3, 25, tzinfo=timezone.utc)  # 22:25 in New York
    await console.channels.sms(US_PHONE, "are you there?")  # the bot may answer: its reply
    bot_replies = len(console.channels.standin.messages(US_PHONE))
    assert bot_replies == 1
    hid = queue(US, "requested_human", US_PHONE)
    alice = console.browser()
    await alice.login("alice")
    await alice.post(f"/console/handoffs/{hid}/claim", {})
    status, page = await alice.post(f"/console/handoffs/{hid}/reply", {"text": "Yes, I am here"})
    assert status == 422 and "allowed again at" in page
    assert "<code>window</code>" in page and "outside the debtor" in page
    assert len(console.channels.standin.messages(US_PHONE)) == bot_replies
    fixed_clock.instant = datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc)  # 09:00 next day
    await alice.login("alice")
    status, page = await alice.post(f"/console/handoffs/{hid}/reply", {"text": "Good morning"})
    assert status == 200 and "Sent." in page
