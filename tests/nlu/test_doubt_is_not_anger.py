"""Asking whether we are a scam is not a negative message (bot/nlu/emotion.py DOUBT_CUES):
three such questions would have handed a careful debtor to a person as an angry one."""

from __future__ import annotations

import pytest

from bot.nlu.emotion import score_text


@pytest.mark.parametrize("text", ["is this a scam?", "is this a scam", "are you scammers?",
                                  "你们是不是骗子", "是骗子吗", "这是诈骗吗？"])
def test_a_question_about_a_scam_is_not_negative(text: str) -> None:
    assert not score_text(text).negative


@pytest.mark.parametrize("text", ["you're scammers", "this is a scam", "一群骗子", "你们这帮骗子",
                                  "scammers!! leave me alone"])
def test_calling_us_scammers_still_counts(text: str) -> None:
    assert score_text(text).negative
