"""Every kind of space, in a text with Chinese characters and pinyin, gets an answer.

`请\u2003还 ni\u2003shi lao lai` raised IndexError: the pinyin compact form dropped seven
kinds of space while its offset map skipped all of them. An exception from the filter is
a message nobody can screen.
"""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_filters.packs import load_pack
from compliance_filters.phrases import check_text
from compliance_filters.pinyin import WHITESPACE

ALL_SPACES = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def test_the_compact_form_drops_every_space_python_knows() -> None:
    assert WHITESPACE == ALL_SPACES


@pytest.mark.parametrize("space", list(ALL_SPACES))
@pytest.mark.parametrize("pack", ["us", "cn"])
def test_pinyin_split_by_any_space_beside_chinese_is_read(pack: str, space: str) -> None:
    text = f"请{space}还款 ni{space}shi lao{space}lai"
    decision = check_text(load_pack(pack), text)
    assert not decision.allowed, (repr(space), decision)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(ALL_SPACES) + list("请还款你是老赖公安局") +
                                        list("nishilaogngjuzoa ")), max_size=40))
def test_any_mix_of_spaces_chinese_and_pinyin_gets_a_decision(text: str) -> None:
    for pack in ("us", "cn"):
        assert check_text(load_pack(pack), text).allowed in (True, False)
