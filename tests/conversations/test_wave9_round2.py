"""Wave 9, round 2 (convo3): what playing a debtor over the signed SMS webhook found, as
whole conversations against the trained model. Every one must pass: each is a fixed defect
(or, for the confirming question, the behaviour the report doubted, held in place)."""

from __future__ import annotations

import re
from typing import List, Optional

import pytest

from tests.conversations.suite import (
    CONFIRM_QUESTION,
    Outcome,
    Scenario,
    Transcript,
    arrangement,
    handoff,
    never_says,
    no_disclosure_before_verification,
    no_handoff,
    no_optout,
    report,
    run_suite,
    says,
    status,
    verified,
    workplace,
)

pytestmark = pytest.mark.slow

DISPUTE_ACK = re.compile(r"Thank you for telling us|感谢告知")
THREATS_EN = r"didn't catch|jail|arrest|\bsue\b|lawsuit|court|credit (?:report|score)"
THREATS_ZH = r"没有理解|坐牢|起诉|拘留|法院|征信|不再以任何方式联系"


def confirm_waits_for_the_answer(t: Transcript, o: Outcome) -> Optional[str]:
    """The turn that asks "just to be sure ...?" says nothing else: the acknowledgement and
    the handoff come only with the answer."""
    for text, replies in t.turns:
        if any(CONFIRM_QUESTION.search(r) for r in replies) and any(DISPUTE_ACK.search(r) for r in replies):
            return f"confirming question and its action in one turn after {text!r}: {replies}"
    return None


def _scenarios() -> List[Scenario]:
    en, zh = "en", "zh"
    return [
        # 1. the first message fell between plan request and proposal (an ambiguity
        # fallback): "didn't catch that"; the plan list after verification, as for "i want
        # to pay monthly"
        Scenario("split into payments, first message", en, ["can i split this into payments"],
                 [verified, says("monthly installments"), never_says("didn't catch"), no_handoff]),
        # 2. "wrong person" after verification, an unsure dispute: one question, then the answer
        Scenario("wrong person after verification", en,
                 ["whats my balance", "wait this isnt my account, you have the wrong person"],
                 [confirm_waits_for_the_answer, never_says("didn't catch"), status("dispute"), handoff("dispute")]),
        # 3. consequences: a lawful answer (balance stays due, contact may continue, the ways
        # forward), nothing threatened; zh was read as a cease request
        Scenario("what if i dont pay, verified", en, ["whats my balance", "what happens if i just dont pay"],
                 [says("stays due"), says("way forward"), never_says(THREATS_EN), no_optout, no_handoff]),
        # (wave 10: before verification the question is acknowledged, identity checked, then
        # answered; it was who we are only)
        Scenario("what if i dont pay, first message", en, ["what happens if i just dont pay"],
                 [never_says(THREATS_EN), no_disclosure_before_verification, says("stays due"), no_optout,
                  no_handoff]),
        Scenario("不还会怎样 已核实", zh, ["我欠多少", "不还的话会怎么样"],
                 [says("仍需偿还"), says("您能承受"), never_says(THREATS_ZH), no_optout, no_handoff]),
        Scenario("不还会怎样 第一句", zh, ["不还的话会怎么样"],
                 [never_says(THREATS_ZH), no_disclosure_before_verification, says("仍需偿还"), no_optout,
                  no_handoff]),
        # 4. half now, half next month: a split promise in both languages (zh went to a person)
        Scenario("一半一半 下个月", zh, ["先还一半 下个月再还另一半", "是"],
                 [arrangement("promise", "3000.00", 2), says(r"¥1,500\.00，.*¥1,500\.00"), no_handoff]),
        Scenario("half now, half next month", en, ["half now and the other half next month", "yes"],
                 [arrangement("promise", "500.00", 2), no_handoff]),
        # 5. away and "let's talk when I'm back": a request for time, the pause offer, not a person
        Scenario("出差 回来再说", zh, ["我下周出差 回来再说吧"],
                 [verified, says("暂停"), no_handoff, never_says("没有理解")]),
        Scenario("travelling till the 10th", en, ["im travelling for work till the 10th, lets talk after"],
                 [verified, says("pause"), no_handoff, workplace(False), never_says("didn't catch")]),
        # 6. call me back: a person, in both languages (zh got "who is this")
        Scenario("回个电话", zh, ["给我回个电话"], [handoff("requested_human"), never_says("这里是")]),
        Scenario("call me back", en, ["can someone call me back"], [handoff("requested_human")]),
    ]


WAVE9_ROUND2: List[Scenario] = _scenarios()


def test_wave9_round2_conversations_all_pass(trained_model, tmp_path) -> None:
    results = run_suite(trained_model, WAVE9_ROUND2, workdir=tmp_path)
    print(report(results))
    failed = [r for r in results if not r.ok]
    assert not failed, report(failed)
