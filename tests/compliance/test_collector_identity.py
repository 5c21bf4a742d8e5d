"""Issue 13 item 8 (library piece): cn calls are recorded and open with who is calling."""

from __future__ import annotations

import pytest

from compliance_filters.identity import check_collector_identity


def test_cn_pack_records_calls_and_us_does_not(us, cn) -> None:
    assert cn.record_calls is True
    assert us.record_calls is False


@pytest.mark.parametrize("opening", ["您好，我是诚信服务公司的催收专员，工号1024。本通话将被录音。",
                                     "您好，这里是招商银行信用卡中心，我是客服李娜。本通话将被录音。"])
def test_opening_with_collector_and_institution(opening) -> None:
    assert check_collector_identity(opening).allowed


@pytest.mark.parametrize("opening, missing", [
    ("您好，本通话将被录音。", ["identity.collector", "identity.institution"]),
    ("您好，这里是诚信服务公司。本通话将被录音。", ["identity.collector"]),
    ("您好，我是工号1024。本通话将被录音。", ["identity.institution"]),
])
def test_opening_missing_a_part(opening, missing) -> None:
    assert [r.rule for r in check_collector_identity(opening).reasons] == missing
