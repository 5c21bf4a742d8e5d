"""Wave 10: three defects found playing ordinary debtor messages over the signed SMS webhook
with the real model, played again as whole conversations in phrasings the training data
does not hold. Every one must pass.

1. A month in two parts ("60 on the 5th and 60 on the 20th every month") got "That works:
   6 monthly payments of $83.33": agreement in words to a plan the debtor never proposed.
   Plans are paid once a month: that is said, the plan the monthly total fits is asked
   about. Two dated parts that are not monthly stay a split promise (said back or countered).
2. Away, "contact me when I'm back", got "I'm sorry things are hard" (en read it as a cease,
   zh fell to "didn't catch that" on this model): the pause, worded for someone away.
3. "What happens if I don't pay?" before verification got who we are and nothing else:
   the question is acknowledged, identity checked, then answered, nothing disclosed first.
"""

from __future__ import annotations

from typing import List

import pytest

from tests.conversations.suite import (
    Scenario,
    arrangement,
    never_says,
    no_disclosure,
    no_disclosure_before_verification,
    no_handoff,
    no_optout,
    no_status,
    report,
    run_suite,
    says,
    verified,
)

pytestmark = pytest.mark.slow

THAT_WORKS_EN = r"That works"
THAT_WORKS_ZH = r"^可以："
THREATS_EN = r"didn't catch|jail|arrest|\bsue\b|lawsuit|court|credit (?:report|score)"
THREATS_ZH = r"没有理解|坐牢|起诉|拘留|法院|征信|不再以任何方式联系"


def _scenarios() -> List[Scenario]:
    en, zh = "en", "zh"
    return [
        # --- 1. a month in parts: plans are monthly, said plainly; the plan stored on the yes
        Scenario("60 on the 5th and 60 on the 20th every month", en,
                 ["whats my balance", "i could do 60 on the 5th and then 60 on the 20th every month", "yes"],
                 [never_says(THAT_WORKS_EN), says(r"paid once a month.*\$120\.00 a month"),
                  arrangement("plan", "500.00", 6), no_handoff]),
        Scenario("每月5号20号各一笔", zh, ["我欠多少", "每个月5号还500 20号再还500", "好"],
                 [never_says(THAT_WORKS_ZH), says(r"每月只还一次.*¥1,000\.00"), arrangement("plan", "3000.00", 3),
                  no_handoff]),
        # two dated parts, not monthly: a split promise, said back or countered, never "That works"
        Scenario("60 on the 5th and 60 on the 20th", en, ["whats my balance", "I can do 60 on the 5th and 60 on the 20th",
                                                          "yes"],
                 [never_says(THAT_WORKS_EN), arrangement("promise", "120.00"), no_handoff]),
        Scenario("5号付60，20号付60", zh, ["我欠多少", "5号付60，20号付60", "是"],
                 [never_says(THAT_WORKS_ZH), arrangement("promise", "120.00"), no_handoff]),
        # --- 2. away until back: the pause for someone away, no sympathy for a hardship, no cease
        Scenario("abroad until next month, first message", en, ["I'm abroad until next month, contact me when I'm back"],
                 [verified, says(r"you're away.*pause"), never_says("sorry things are hard"), no_optout,
                  no_status("cease"), no_status("hardship"), no_handoff]),
        Scenario("out of the country, text me when home", en,
                 ["whats my balance", "im out of the country till january, text me when im home"],
                 [says(r"you're away.*pause"), never_says("sorry things are hard|didn't catch"), no_optout,
                  no_handoff]),
        Scenario("在国外 下个月回来再联系", zh, ["我在国外 下个月回来再联系"],
                 [verified, says("不在本地.*暂停还款"), never_says("很抱歉您遇到困难|没有理解"), no_optout,
                  no_status("hardship"), no_handoff]),
        Scenario("人在国外 回国再联系 然后好", zh, ["我欠多少", "人在国外呢，等回国了再联系吧", "好"],
                 [says("不在本地"), says("已为您暂停还款至"), never_says("很抱歉您遇到困难|没有理解"), no_optout,
                  no_handoff]),
        # --- 3. consequences before verification: acknowledged, verified, answered lawfully
        Scenario("what if i refuse to pay, first message", en, ["ok and what if i just refuse to pay"],
                 [says("I can answer that, but only for the account holder"), verified, says("stays due"),
                  no_disclosure_before_verification, never_says(THREATS_EN), no_optout, no_handoff]),
        Scenario("一直拖着不还 第一句", zh, ["要是我一直拖着不还，会有什么后果"],
                 [says("只能告知账户本人"), verified, says("仍需偿还"), no_disclosure_before_verification,
                  never_says(THREATS_ZH), no_optout, no_handoff]),
        # not the account holder: nothing about a debt, no answer to the question
        Scenario("what if he doesnt pay, not him", en, ["so what happens if this doesnt get paid"],
                 [no_disclosure, never_says("stays due"), no_handoff], name_answer="no"),
        Scenario("不还会怎样 不是本人", zh, ["他要是不还会怎么样"],
                 [no_disclosure, never_says("仍需偿还"), no_handoff], name_answer="不是"),
    ]


WAVE10: List[Scenario] = _scenarios()


def test_wave10_conversations_all_pass(trained_model, tmp_path) -> None:
    results = run_suite(trained_model, WAVE10, workdir=tmp_path)
    print(report(results))
    failed = [r for r in results if not r.ok]
    assert not failed, report(failed)
