"""Property tests: for random instants, zones and histories the gate never lets through
a contact outside a window or over a cap, and `next_allowed_at` is allowed and minimal.

Each answer is compared with the oracles in conftest.py (direct zoneinfo conversion,
literal counting), which share no code with the library's interval tables.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance_filters import (
    ContactRecord,
    InconvenientTime,
    OutgoingMessage,
    Recipient,
    check_window,
    gate,
    load_pack,
)
from compliance_filters.windows import SEARCH_DAYS
from tests.compliance.conftest import oracle_caps, oracle_window

ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Indiana/Indianapolis",
    "America/Indiana/Knox", "America/Indiana/Tell_City", "America/Indiana/Vevay",
    "America/St_Johns", "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Kathmandu", "Europe/London",
    "Europe/Dublin", "Asia/Shanghai", "Pacific/Chatham", "America/Havana", "America/Santiago",
]
PHONES = ["+12125550101", "+12082001234", "+18502001234", "+18505551234", "+16025550100",
          "+19075550100", "+13175550100", "+8613800138000"]
# 2024-01-01 .. 2031-01-01, with extra weight on minutes around US DST changes
START, END = 1704067200, 1924992000
DST_EDGES = [datetime(2026, 3, 8, 7, tzinfo=timezone.utc), datetime(2026, 11, 1, 6, tzinfo=timezone.utc),
             datetime(2027, 3, 14, 7, tzinfo=timezone.utc), datetime(2027, 11, 7, 6, tzinfo=timezone.utc)]

instants = st.one_of(
    st.integers(START, END).map(lambda s: datetime.fromtimestamp(s, timezone.utc)),
    st.tuples(st.sampled_from(DST_EDGES), st.integers(-36 * 3600, 36 * 3600)).map(
        lambda p: p[0] + timedelta(seconds=p[1])),
)
spans = st.builds(
    InconvenientTime,
    start=st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    end=st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
)
PACKS = {"us": load_pack("us"), "cn": load_pack("cn"),
         "narrow": load_pack("us", {"window": {"start": "09:30", "end": "17:45"}})}
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _minute_scan_clear(pack, zones, spans_, begin: datetime, end: datetime) -> bool:
    """No whole minute in [begin, end) is allowed by the oracle."""
    t = datetime.fromtimestamp(-(-int(begin.timestamp()) // 60) * 60, timezone.utc)
    while t < end:
        if oracle_window(pack, zones, t, spans_):
            return False
        t += timedelta(minutes=1)
    return True


@FAST
@given(pack_name=st.sampled_from(sorted(PACKS)), at=instants,
       address=st.lists(st.sampled_from(ZONES), min_size=0, max_size=2),
       phones=st.lists(st.sampled_from(PHONES), min_size=0, max_size=2),
       inconvenient=st.lists(spans, max_size=2))
def test_window_agrees_with_zoneinfo_and_next_is_minimal(pack_name, at, address, phones, inconvenient):
    pack = PACKS[pack_name]
    result = check_window(pack, phones, address, at, inconvenient)
    zones = result.zones
    assert zones  # a phone, an address or the pack default always gives one
    assert result.allowed == oracle_window(pack, zones, at, inconvenient)
    if result.allowed:
        assert result.next_allowed_at is None
        return
    nxt = result.next_allowed_at
    if nxt is None:  # no common time: nothing allowed for a day at 10-minute steps
        assert all(not oracle_window(pack, zones, at + timedelta(minutes=10 * i), inconvenient)
                   for i in range(6 * 24))
        return
    assert nxt > at and nxt.second == 0 and nxt.microsecond == 0
    assert nxt - at <= timedelta(days=SEARCH_DAYS)
    assert oracle_window(pack, zones, nxt, inconvenient)
    assert not oracle_window(pack, zones, nxt - timedelta(minutes=1), inconvenient)
    assert _minute_scan_clear(pack, zones, inconvenient, at, min(nxt, at + timedelta(hours=30)))


def _records(at: datetime):
    return st.lists(st.builds(
        ContactRecord,
        at=st.integers(-9 * 86400, 3600).map(lambda s: at - timedelta(seconds=s)),
        channel=st.sampled_from(["sms", "voice", "voicemail"]),
        debt_id=st.sampled_from(["D1", "D2"]),
        number=st.sampled_from(["+12125550101", "+13105550100"]),
        outcome=st.sampled_from(["sent", "delivered", "answered", "conversation", "no_answer",
                                 "voicemail", "failed"]),
        initiated_by=st.sampled_from(["collector", "collector", "collector", "debtor"]),
    ), max_size=14)


@FAST
@given(data=st.data(), pack_name=st.sampled_from(["us", "cn"]),
       channel=st.sampled_from(["sms", "voice", "voicemail"]), at=instants,
       address=st.lists(st.sampled_from(ZONES[:8]), max_size=1))
def test_gate_never_allows_outside_a_window_or_over_a_cap(data, pack_name, channel, at, address):
    pack = PACKS[pack_name]
    history = data.draw(_records(at))
    phone = "+12125550101" if pack_name == "us" else "+8613800138000"
    who = Recipient("A1", "D1", (phone,), tuple(address), verified=True, mini_miranda_given=True)
    text = "Hello from Acme Services, a debt collector." + (
        " Reply STOP to opt out. 回复TD退订" if channel == "sms" else "")
    if channel == "voicemail":  # the limited-content message: a person's name, a request, a number
        text = "Hello, this is Maria from Acme Services. Please call me back at (212) 555-0100."
    if channel == "voice" and pack_name == "cn":
        text += " 本通话将被录音。"
    message = OutgoingMessage(text, channel, "outbound")
    decision = gate(pack, message, who, history, at)
    zones = check_window(pack, who.phones, who.address_zones, at).zones

    def ok(t: datetime) -> bool:
        return oracle_window(pack, zones, t) and oracle_caps(pack_name, channel, "D1", phone, history, t)

    assert decision.status in ("allowed", "deferred")
    assert decision.allowed == ok(at)
    if decision.allowed or decision.next_allowed_at is None:
        return
    nxt = decision.next_allowed_at
    assert nxt > at and nxt.second == 0
    assert ok(nxt)
    assert not ok(nxt - timedelta(minutes=1))


@FAST
@given(data=st.data(), pack_name=st.sampled_from(["us", "cn"]),
       channel=st.sampled_from(["sms", "voice", "voicemail"]), at=instants)
def test_history_older_than_the_horizon_never_changes_a_decision(data, pack_name, channel, at):
    # Callers pass only the history since at - history_horizon (the store's query); the
    # decision, reasons and next_allowed_at must be exactly those of the whole history.
    pack = PACKS[pack_name]
    history = data.draw(_records(at))
    phone = "+12125550101" if pack_name == "us" else "+8613800138000"
    who = Recipient("A1", "D1", (phone,), (), verified=True, mini_miranda_given=True)
    message = OutgoingMessage("Hello from Acme Services, a debt collector. Reply STOP to opt out. 回复TD退订",
                              channel, "outbound")
    recent = [r for r in history if r.at >= at - pack.history_horizon]
    assert gate(pack, message, who, recent, at) == gate(pack, message, who, history, at)


def test_history_horizon_is_the_longest_cap_period():
    assert PACKS["us"].history_horizon == timedelta(days=7)
    assert PACKS["cn"].history_horizon == timedelta(hours=max(r.period_hours for r in PACKS["cn"].caps))
