"""Wave 9, round 3: two Chinese phrasings from the last round of plays on the merged model
(neither is in the training data), which fell to "didn't catch that". Every one must pass."""

from __future__ import annotations

import pytest

from tests.conversations.suite import Scenario, handoff, never_says, no_handoff, report, run_suite

pytestmark = pytest.mark.slow

ROUND3 = [
    # abroad, in touch when back: the pause offer, as 我下周出差 回来再说吧 gets
    Scenario("在国外 回来再联系", "zh", ["我在国外 下个月回来再联系"],
             [no_handoff, never_says("没有理解")]),
    # someone to call me: a request for a person, as 给我回个电话 is
    Scenario("安排人打电话", "zh", ["麻烦安排人给我打个电话"],
             [handoff("requested_human"), never_says("没有理解")]),
]


def test_wave9_round3_conversations_all_pass(trained_model, tmp_path) -> None:
    results = run_suite(trained_model, ROUND3, workdir=tmp_path)
    print(report(results))
    failed = [r for r in results if not r.ok]
    assert not failed, report(failed)
