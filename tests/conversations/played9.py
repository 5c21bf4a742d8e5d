"""Wave 9 conversations, found playing a debtor over the signed SMS webhook: each is a
fixed defect (tests/conversations/test_wave9_played.py), said mostly in words the
training data does not hold.

- not at work ("quit calling me at my job", "以后别往我公司打电话") stopped all contact as a
  cease; it is the workplace flag, contact elsewhere goes on;
- "Stop. Texting. Me." got "didn't catch that" and no opt-out;
- "yall are scammers arent you" got the legitimacy answer and "Sorry, I didn't catch that.";
- moving a recorded promise was a handoff (en) or a second verification and a second
  promise (zh): one promise, on the new date;
- "40 on the 1st and 40 on the 15th every month" was a one-off $40.00.
"""

from __future__ import annotations

from typing import List, Optional

from tests.conversations.suite import (
    NAME_QUESTION,
    Check,
    Outcome,
    Scenario,
    Transcript,
    arrangement,
    never_says,
    no_handoff,
    no_optout,
    optout,
    says,
    status,
    workplace,
)


def one_promise_moved_to_monday(total: str) -> Check:
    """One promise on file (the first one, moved), of `total`, due on a Monday."""
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        promises = [a for a in o.arrangements if a[0] == "promise"]
        if len(o.arrangements) != 1 or len(promises) != 1:
            return f"expected one promise, found {o.arrangements}"
        _, got_total, _, due = promises[0]
        if str(got_total) != total or due is None or due.weekday() != 0:
            return f"promise {promises[0]} is not {total} on a Monday"
        return None
    return check


def verified_once(t: Transcript, o: Outcome) -> Optional[str]:
    """The name question went out once: a verified debtor is never asked again."""
    asked = sum(bool(NAME_QUESTION.search(r)) for r in t.sent)
    return None if asked == 1 else f"asked to verify {asked} times"


def replies_per_turn_at_most(n: int) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        many = [(text, replies) for text, replies in t.turns if len(replies) > n]
        return f"{len(many[0][1])} replies to {many[0][0]!r}: {many[0][1]}" if many else None
    return check


def _played9() -> List[Scenario]:
    en, zh = "en", "zh"
    not_at_work = [workplace(True), no_optout, no_handoff, never_says("final message|最后一条")]
    legit_en = says(r"call us at .*never ask you to send money")
    return [
        # A: not at work is a place, not a cease
        Scenario("quit calling me at my job", en, ["quit calling me at my job"], not_at_work + [says("at work")]),
        Scenario("stop calling my work number", en, ["stop calling my work number"], not_at_work),
        Scenario("dont ring me at the office", en, ["dont ring me at the office"], not_at_work),
        Scenario("以后别往我公司打电话", zh, ["以后别往我公司打电话"], not_at_work + [says("工作单位")]),
        Scenario("别打我单位电话了", zh, ["别打我单位电话了"], not_at_work),
        Scenario("上班的地方不要再打来", zh, ["上班的地方不要再打来"], not_at_work),
        Scenario("stop calling me is still a cease", en, ["stop calling me"],
                 [optout("all", "nlu"), status("cease")], silent_after=1),
        # B: a stop phrase in any spacing or punctuation, without the model
        Scenario("Stop. Texting. Me.", en, ["Stop. Texting. Me."], [optout("sms", "keyword")], silent_after=1),
        Scenario("pls stop txting me", en, ["pls stop txting me"], [optout("sms", "keyword")], silent_after=1),
        Scenario("别 发 短 信 了", zh, ["别 发 短 信 了"], [optout("sms", "keyword")], silent_after=1),
        Scenario("不要再发短信了。", zh, ["不要再发短信了。"], [optout("sms", "keyword")], silent_after=1),
        # C: one helpful answer
        Scenario("yall are scammers arent you", en, ["yall are scammers arent you"],
                 [legit_en, never_says("didn't catch"), no_handoff, replies_per_turn_at_most(1)]),
        Scenario("you people are a scam right", en, ["you people are a scam right??"],
                 [legit_en, never_says("didn't catch"), no_handoff, replies_per_turn_at_most(1)]),
        # D: a verified debtor stays verified; moving the date moves the promise
        Scenario("promise, yes, then monday instead", en,
                 ["ill pay 100 this friday", "yes", "hmm could we move it to monday instead"],
                 [one_promise_moved_to_monday("100.00"), verified_once, no_handoff]),
        Scenario("承诺 是 然后改到下周一", zh, ["这周五还一千", "是", "能不能改成下周一"],
                 [one_promise_moved_to_monday("1000.00"), verified_once, no_handoff]),
        # E: a monthly amount in two parts is a monthly plan
        Scenario("30 on the 10th and 30 on the 25th", en,
                 ["i could pay 30 on the 10th and 30 on the 25th every month", "yes"],
                 [arrangement("plan", "500.00"), never_says(r"payment of \$30\.00"), never_says("didn't catch")]),
        Scenario("每月5号和20号各还150", zh, ["每个月5号和20号各还150", "是"],
                 [arrangement("plan", "3000.00"), never_says("¥150.00"), never_says("没有理解")]),
    ]


PLAYED9: List[Scenario] = _played9()

__all__ = ["PLAYED9", "one_promise_moved_to_monday", "verified_once", "replies_per_turn_at_most"]
