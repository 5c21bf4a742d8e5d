"""Rule packs load as data; creditor overlays may tighten and never loosen."""

from __future__ import annotations

from datetime import time

import pytest

from compliance_filters import PackError, load_pack


def test_us_pack_numbers_match_the_spec(us) -> None:
    assert (us.window_start, us.window_end) == (time(8), time(21))
    assert {(c.name, c.channel, c.scope, c.limit, c.period_hours) for c in us.caps} == {
        ("voice_7_in_7", "voice", "debt", 7, 168.0),
        ("voice_after_conversation", "voice", "debt", 1, 168.0),
        ("sms_daily", "sms", "debt", 1, 24.0),
        ("voice_ma_2_in_7", "voice", "debt", 2, 168.0),
        ("voice_nyc_2_in_7", "voice", "debt", 2, 168.0),
    }
    assert us.replies_outside_window is True
    assert {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"} <= set(
        us.keywords["optout"])
    assert set(us.keywords["optin"]) == {"START", "UNSTOP", "YES"}
    assert [r.name for r in us.required] == ["optout_line", "mini_miranda", "debt_collector_notice",
                                              "time_barred_disclosure"]


def test_cn_pack_numbers_match_the_spec(cn) -> None:
    assert (cn.window_start, cn.window_end) == (time(8), time(22))
    assert cn.default_zones == ("Asia/Shanghai",)
    assert {(c.name, c.scope, c.limit, c.period_hours) for c in cn.caps} == {
        ("voice_answered_daily", "debtor", 3, 24.0),
        ("voice_unanswered_daily", "number", 6, 24.0),
        ("sms_daily", "debtor", 1, 24.0),
    }
    assert [r.name for r in cn.required] == ["optout_line", "recording_notice"]
    assert set(cn.banned["categories"]) == {
        "threat_arrest", "impersonation", "third_party_threat", "violence_visit",
        "intimidation", "obscenity", "false_legal", "harassment"}


def test_loading_is_cached_per_content() -> None:
    assert load_pack("us") is load_pack("us")
    assert load_pack("us", {"window": {"start": "09:00", "end": "20:00"}}) is load_pack(
        "us", {"window": {"start": "09:00", "end": "20:00"}})


def test_overlay_narrows_the_window_and_lowers_a_cap() -> None:
    pack = load_pack("us", {"creditor": "acme", "window": {"start": "09:00", "end": "20:00"},
                            "caps": [{"name": "voice_7_in_7", "limit": 3}]})
    assert (pack.window_start, pack.window_end, pack.creditor) == (time(9), time(20), "acme")
    assert pack.cap("voice_7_in_7").limit == 3
    assert pack.cap("sms_daily").limit == 1


def test_overlay_adds_banned_phrases(us) -> None:
    from compliance_filters import check_text

    pack = load_pack("us", {"banned": {"creditor_rules": {"en": {"terms": ["final notice"]}}}})
    assert [r.rule for r in check_text(pack, "FINAL NOTICE for you").reasons] == [
        "phrase.creditor_rules"]
    assert check_text(us, "FINAL NOTICE for you").allowed


@pytest.mark.parametrize("overlay, message", [
    ({"window": {"start": "07:00", "end": "21:00"}}, "window 07:00-21:00 is wider than 08:00-21:00"),
    ({"window": {"start": "08:00", "end": "21:30"}}, "window 08:00-21:30 is wider than 08:00-21:00"),
    ({"caps": [{"name": "sms_daily", "limit": 2}]}, "cap sms_daily limit 2 is above 1"),
    ({"caps": [{"name": "voice_7_in_7", "period_hours": 100}]}, "period 100 h is shorter than 168 h"),
    ({"keywords": {"optin": ["OK"]}}, "only opt-out keywords can be added"),
    ({"banned": {"obscenity": {"en": {"allow": ["loser"]}}}}, "banned.obscenity.en.allow adds exceptions"),
    ({"banned": {"obscenity": {"negatable": True}}}, "banned.obscenity cannot become negatable"),
])
def test_looser_overlay_is_an_error(overlay, message) -> None:
    with pytest.raises(PackError) as err:
        load_pack("us", overlay)
    assert "loosens the pack" in str(err.value)
    assert message in str(err.value)


def test_replies_outside_window_cannot_be_turned_back_on() -> None:
    strict = load_pack("cn", {"replies_outside_window": False})
    assert strict.replies_outside_window is False
    assert load_pack("cn", {"replies_outside_window": True}).replies_outside_window is True


@pytest.mark.parametrize("overlay, message", [
    ({"colour": "red"}, "unknown or not overridable keys ['colour']"),
    ({"window": {"start": "10:00", "end": "09:00"}}, "window end 09:00 must be after start 10:00"),
    ({"window": {"start": "ten", "end": "20:00"}}, "'ten' is not a time like 08:00"),
    ({"caps": [{"name": "sms_daily", "channel": "voice"}]}, "cap sms_daily: channel cannot be changed"),
])
def test_malformed_overlay_is_an_error(overlay, message) -> None:
    with pytest.raises(PackError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_pack("us", overlay)


def test_unknown_pack_and_overlay_file(tmp_path) -> None:
    with pytest.raises(PackError, match="unknown rule pack 'fr'"):
        load_pack("fr")
    path = tmp_path / "acme.yml"
    path.write_text("window: {start: '10:00', end: '18:00'}\ncreditor: acme\n", encoding="utf-8")
    assert load_pack("cn", path).window_start == time(10)
    with pytest.raises(PackError, match="rule pack file not found"):
        load_pack("cn", tmp_path / "missing.yml")
