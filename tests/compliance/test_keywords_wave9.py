"""Wave 9 (played): a stop phrase written with odd spacing or punctuation is a TCPA
revocation read without the model; "Stop. Texting. Me." got "didn't catch that"."""

from __future__ import annotations

import pytest

from compliance_filters import keyword_action, load_pack


@pytest.mark.parametrize("body", ["stop. texting. me", "Stop. Texting. Me.", "STOP texting me!!!",
                                  "pls stop txting me", "stop texting", "stop the texts please",
                                  "stop   sending   messages", "STOP SMS"])
@pytest.mark.parametrize("pack_name", ["us", "cn"])
def test_english_stop_phrases_opt_out(pack_name: str, body: str) -> None:
    assert keyword_action(load_pack(pack_name), body) == "optout"


@pytest.mark.parametrize("body", ["不要再发短信了。", "别 发 短 信 了", "别发短信", "以后别给我发短信了",
                                  "停止发送短信", "不要再发消息了！"])
@pytest.mark.parametrize("pack_name", ["us", "cn"])
def test_chinese_stop_phrases_opt_out(pack_name: str, body: str) -> None:
    assert keyword_action(load_pack(pack_name), body) == "optout"


@pytest.mark.parametrize("body", ["stop calling me", "stop calling me at work", "quit calling me at my job",
                                  "text me the link", "stop texting me and call me tomorrow", "texting is fine",
                                  "don't stop texting me", "i will stop by", "发短信给我", "别打电话了 发短信吧",
                                  "以后别往我公司打电话", "短信收到了"])
def test_other_messages_are_still_not_keywords(body: str) -> None:
    for pack_name in ("us", "cn"):
        assert keyword_action(load_pack(pack_name), body) is None, (pack_name, body)


def test_the_packs_own_opt_out_words_head_a_stop_phrase() -> None:
    """us has QUIT, cn does not: each pack's opt-out list decides."""
    assert keyword_action(load_pack("us"), "Quit texting me!") == "optout"
    assert keyword_action(load_pack("cn"), "Quit texting me!") is None


def test_a_stop_phrase_needs_an_opt_out_keyword_of_the_pack() -> None:
    """"help texting" is not a stop phrase: only opt-out words head one."""
    us = load_pack("us")
    assert keyword_action(us, "help texting") is None
    assert keyword_action(us, "start texting me") is None
