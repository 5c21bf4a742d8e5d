"""Issue 13 item 1 (library piece): the stated inconvenient span, in both languages."""

from __future__ import annotations

from datetime import time

import pytest

from compliance_filters import check_window, load_pack
from compliance_filters.inconvenient import inconvenient_span, mentions_work
from tests.compliance.conftest import utc


@pytest.mark.parametrize("text, start, end", [
    ("Don't call before noon", time(0), time(12)),
    ("not after 6pm please", time(18), time(0)),
    ("please not after 6", time(18), time(0)),
    ("not before 9:30 am", time(0), time(9, 30)),
    ("never between 1 and 3", time(13), time(15)),
    ("don't text me in the morning", time(0), time(12)),
    ("不要在上午打电话", time(0), time(12)),
    ("晚上八点以后别打了", time(20), time(0)),
    ("下午三点半之前不要打", time(0), time(15, 30)),
])
def test_stated_span(text, start, end) -> None:
    span = inconvenient_span(text)
    assert (span.start, span.end) == (start, end)
    assert span.note == text


@pytest.mark.parametrize("text", ["whenever is fine", "not now", "我现在不方便"])
def test_unreadable_span_is_none_so_the_caller_hands_off(text) -> None:
    assert inconvenient_span(text) is None


def test_work_is_a_place_flag() -> None:
    assert mentions_work("Don't call me at work")
    assert mentions_work("不要打到我单位")
    assert not mentions_work("Call me tomorrow")


def test_the_span_is_respected_by_the_window_check() -> None:
    pack = load_pack("us")
    span = inconvenient_span("Don't call before noon")
    at = utc(2026, 3, 10, 15)  # 11:00 in New York
    result = check_window(pack, ["+12125550101"], [], at, [span])
    assert not result.allowed and result.next_allowed_at == utc(2026, 3, 10, 16)
