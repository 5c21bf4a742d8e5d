"""Multi-turn conversations with a simulated debtor against the trained model, through the
signed SMS webhook, judged by what is stored and what is sent.

Each scenario has its own debtor (phone, name, identity, creditor), so no conversation
can leak state into another. The simulated debtor says its scripted messages in order,
but when the assistant asks "is this <name>?" or for a date of birth / ID digits it answers
that first, as a person would. A scenario passes when every check on the store (arrangement,
handoff, opt-out, status, wrong number) and on the texts sent (no silence, no debt
details to a third party, no crisis line without distress) holds.

Used by tests/conversations/test_conversations.py (the gate) and bench/conversation_bench.py
(`make bench` prints the success rate per language).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

NAME_QUESTION = re.compile(r"am I speaking with|Is this .*\? Please reply YES|您是.{1,8}本人吗")
IDENTITY_QUESTION = re.compile(r"date of birth|出生日期")
CONFIRM_QUESTION = re.compile(r"Just to be sure|I want to make sure|想跟您确认一下|我们想确认您")
CRISIS = re.compile(r"988|12356|心理援助")
DISCLOSURE = re.compile(r"[$¥]\s?\d|balance|owe|欠款|余额|还款|Acme|华夏|银行|消费金融", re.I)


@dataclass(frozen=True)
class Debtor:
    account_id: str
    name: str
    phone: str
    lang: str
    balance: str
    dob: str
    id_last4: str

    @property
    def creditor(self) -> str:
        return "Acme Bank" if self.lang == "en" else "华夏消费金融"

    @property
    def currency(self) -> str:
        return "USD" if self.lang == "en" else "CNY"

    def csv_row(self) -> str:
        tz, pack = ("America/New_York", "us") if self.lang == "en" else ("Asia/Shanghai", "cn")
        return (f"{self.account_id},{self.name},{self.phone},{self.balance},{self.lang},{tz},{pack},"
                f"{self.currency},{self.creditor},{self.dob},{self.id_last4},\n")


@dataclass
class Transcript:
    debtor: Debtor
    turns: List[Tuple[str, List[str]]] = field(default_factory=list)

    @property
    def sent(self) -> List[str]:
        return [r for _, replies in self.turns for r in replies]


@dataclass(frozen=True)
class Outcome:
    """What the store holds for one account after its conversation."""

    arrangements: List[Tuple[str, Decimal, int, Optional[date]]]  # kind, total, installments, first due
    handoffs: List[str]                                          # reasons, one row each
    optouts: List[Tuple[str, str]]                               # channel, source
    statuses: List[str]
    wrong_number: bool
    verified: bool
    spans: List[Tuple[str, str]] = field(default_factory=list)  # inconvenient times, "HH:MM"
    workplace: bool = False                                      # no contact at work


Check = Callable[[Transcript, Outcome], Optional[str]]


@dataclass(frozen=True)
class Scenario:
    name: str
    lang: str
    says: Sequence[str]
    checks: Sequence[Check]
    identity_style: str = "dob"  # how the simulated debtor answers the identity question
    name_answer: Optional[str] = None  # reply to "is this <name>?" (default: yes / 是)
    silent_after: int = 99  # messages from this index on may get no reply (after a cease)
    distress: bool = False  # the only scenarios where a crisis-line text is right
    meant_it: bool = True  # the answer to "just to be sure: ...?" (did the debtor mean that?)


# ----------------------------------------------------------------------------- checks

def arrangement(kind: str, total: Optional[str] = None, installments: Optional[int] = None,
                first_due: Optional[str] = None) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        if len(o.arrangements) != 1:
            return f"expected one {kind} arrangement, found {o.arrangements}"
        got_kind, got_total, got_n, got_first = o.arrangements[0]
        if got_kind != kind or (total and got_total != Decimal(total)) \
                or (installments and got_n != installments) \
                or (first_due and str(got_first) != first_due):
            return f"arrangement {o.arrangements[0]} is not {kind} {total} x{installments} {first_due}"
        return None
    return check


def no_arrangement(t: Transcript, o: Outcome) -> Optional[str]:
    return f"unexpected arrangement {o.arrangements}" if o.arrangements else None


def handoff(reason: str) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        if len(o.handoffs) != 1 or reason not in o.handoffs[0].split(","):
            return f"expected one handoff with reason {reason}, found {o.handoffs}"
        return None
    return check


def no_handoff(t: Transcript, o: Outcome) -> Optional[str]:
    return f"unexpected handoff {o.handoffs}" if o.handoffs else None


def optout(channel: str, source: str) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        return None if (channel, source) in o.optouts else f"no {channel}/{source} opt-out in {o.optouts}"
    return check


def no_optout(t: Transcript, o: Outcome) -> Optional[str]:
    bad = [x for x in o.optouts]
    return f"unexpected opt-out {bad}" + (" and statuses " + str(o.statuses) if o.statuses else "") \
        if bad or "cease" in o.statuses else None


def status(name: str) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        return None if name in o.statuses else f"status {name} not in {o.statuses}"
    return check


def wrong_number(t: Transcript, o: Outcome) -> Optional[str]:
    return None if o.wrong_number else "number not flagged as wrong"


def verified(t: Transcript, o: Outcome) -> Optional[str]:
    return None if o.verified else "not verified"


def span(start: str, end: str) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        return None if o.spans == [(start, end)] else f"inconvenient times {o.spans}, not {start}-{end}"
    return check


def workplace(flag: bool) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        return None if o.workplace is flag else f"workplace flag is {o.workplace}"
    return check


def no_status(name: str) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        return f"unexpected status {name}" if name in o.statuses else None
    return check


def says(pattern: str) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        return None if any(re.search(pattern, r) for r in t.sent) else f"no reply matching {pattern!r}"
    return check


def never_says(pattern: str) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        hits = [r for r in t.sent if re.search(pattern, r)]
        return f"unexpected reply {hits[0]!r}" if hits else None
    return check


def full_balance_on_first_of_next_month(total: str, zone: str, horizon_days: int) -> Check:
    """One arrangement of the whole balance due on the 1st of next month in the debtor's zone
    (held to the policy's promise horizon, the latest date a promise may name)."""
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        from datetime import timedelta
        from zoneinfo import ZoneInfo

        from bot import clock

        today = clock.now().astimezone(ZoneInfo(zone)).date()
        first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        due = min(first, today + timedelta(days=horizon_days))
        if len(o.arrangements) != 1:
            return f"expected one arrangement of {total} on {due}, found {o.arrangements}"
        _, got_total, _, got_first = o.arrangements[0]
        if got_total != Decimal(total) or got_first != due:
            return f"arrangement {o.arrangements[0]} is not {total} on {due}"
        return None
    return check


def no_crisis_line(t: Transcript, o: Outcome) -> Optional[str]:
    hits = [r for r in t.sent if CRISIS.search(r)]
    return f"crisis line sent without distress: {hits[0]!r}" if hits else None


def no_disclosure(t: Transcript, o: Outcome) -> Optional[str]:
    hits = [r for r in t.sent if DISCLOSURE.search(r.split("Reply STOP")[0].split("回复TD")[0])]
    return f"debt detail sent before verification: {hits[0]!r}" if hits else None


VERIFIED_REPLY = re.compile(r"you're verified|身份已确认")


def no_disclosure_before_verification(t: Transcript, o: Outcome) -> Optional[str]:
    """Nothing about the debt in any reply before the one that says the debtor is verified
    (a question asked first, such as "what happens if i dont pay", is answered after it)."""
    for _, replies in t.turns:
        if any(VERIFIED_REPLY.search(r) for r in replies):
            return None
        hits = [r for r in replies if DISCLOSURE.search(r.split("Reply STOP")[0].split("回复TD")[0])]
        if hits:
            return f"debt detail sent before verification: {hits[0]!r}"
    return None


# ----------------------------------------------------------------------------- scenarios

def _scenarios() -> List[Scenario]:
    en, zh = "en", "zh"
    balance_en, balance_zh = says(r"\$[\d,]+\.\d\d"), says(r"¥[\d,]+\.\d\d")
    understood_en, understood_zh = never_says("didn't catch that"), never_says("没有理解")
    return [
        # --- English
        Scenario("balance first", en, ["what do i owe"], [verified, balance_en, no_handoff]),
        # "is this Mark Hill?" answered "this is she" was read as debtor_deceased: condolences,
        # a deceased status and a handoff for a living debtor
        Scenario("this is she", en, ["whats my balance"],
                 [no_handoff, never_says("passed away|your loss"), says("date of birth")], name_answer="this is she"),
        Scenario("balance, typo", en, ["hw much do i owe u guys"], [verified, balance_en]),
        Scenario("plan then six months then yes", en, ["can i pay monthly", "i'll do 6 months", "yes"],
                 [arrangement("plan", "500.00", 6)]),
        Scenario("promise with weekday", en, ["i can pay 100 on friday"], [arrangement("promise", "100.00", 1)],
                 identity_style="last4"),
        Scenario("promise with absolute date", en, ["i'll pay 120 on dec 8"],
                 [arrangement("promise", "120.00", 1, "2026-12-08")]),
        Scenario("pay in full, accepted", en, ["i want to pay it all off today", "yes"],
                 [arrangement("settlement")], identity_style="birthday"),
        Scenario("name volunteered first", en, ["yes, this is {first}", "what's my balance"],
                 [verified, balance_en]),
        Scenario("identity and question together", en, ["dob {dob} what's my balance"], [verified, balance_en]),
        Scenario("three months, accepted with words", en, ["can i do 3 months", "yes, 3 months is fine"],
                 [arrangement("plan", "500.00", 3)]),
        Scenario("same promise twice", en, ["i can pay 100 on friday", "i can pay 100 on friday"],
                 [arrangement("promise", "100.00", 1)]),
        Scenario("wrong number", en, ["wrong number, i don't know who that is"],
                 [wrong_number, no_disclosure, no_handoff]),
        Scenario("clear cease", en, ["Please stop messaging me, don't ever contact me again"],
                 [optout("all", "nlu"), status("cease"), says("final message")]),
        # "this number" once read as a wrong number: a revocation said any reasonable way is one
        Scenario("opt-out naming this number", en, ["pls dont msg this number anymore"],
                 [optout("sms", "nlu"), no_handoff]),
        # found playing a debtor: a plan named by size re-asked the months (zh) or was read as
        # a death (en); "that's me" after "who is this?" was "didn't catch that"
        Scenario("plan named by size", en, ["can i pay monthly", "ok go with the longest one", "yes"],
                 [arrangement("plan", installments=6)]),
        Scenario("who is this, then that's me", en, ["who is this?", "yeah thats me", "what do i owe"],
                 [verified, balance_en]),
        Scenario("hi again is not a cease", en, ["hi again"], [no_optout, no_crisis_line, no_handoff],
                 meant_it=False),
        Scenario("distress", en, ["i can't take this anymore, i'm at the end of my rope"],
                 [says("988"), handoff("distress")], distress=True),
        Scenario("dispute twice, one handoff", en, ["this isn't my debt", "i never had this loan with you"],
                 [handoff("dispute"), status("dispute")]),
        Scenario("attorney", en, ["you need to talk to my lawyer"], [status("attorney"), handoff("attorney")]),
        Scenario("hardship", en, ["i lost my job last month"], [verified, status("hardship")]),
        Scenario("already paid", en, ["i already paid this last week"], [handoff("paid_claim")]),
        Scenario("who is this, nothing disclosed", en, ["who is this?"], [no_disclosure, no_handoff]),
        Scenario("not the debtor", en, ["how much is owed on this"], [no_disclosure, no_arrangement],
                 name_answer="no"),
        Scenario("anger, no crisis line", en, ["this is harassment, you people are ridiculous"],
                 [no_crisis_line, no_optout], meant_it=False),
        # A plan length the policy does not offer, said like a yes: a counter, not "didn't catch that".
        Scenario("4 months after the plan list", en, ["can i pay monthly", "yeah 4 months is good", "yes"],
                 [understood_en, says("we can offer"), arrangement("plan", "500.00")]),
        Scenario("4 months after a counter-offer", en, ["i can do $20 a month", "yeah 4 months is good", "yes"],
                 [understood_en, arrangement("plan", "500.00")]),
        # Denying the debt before verification is a dispute: no balance flow, nothing disclosed.
        Scenario("i don't think i owe you anything", en, ["I don't think I owe you anything"],
                 [no_disclosure, status("dispute"), handoff("dispute"), understood_en]),
        Scenario("owe nothing, said to the name question", en, ["how much do i owe"],
                 [no_disclosure, status("dispute"), handoff("dispute"), understood_en],
                 name_answer="I don't think I owe you anything"),
        # --- Chinese
        Scenario("余额", zh, ["现在欠多少钱"], [verified, balance_zh, no_handoff]),
        Scenario("分3期 然后确认", zh, ["可以分3期吗", "是"], [arrangement("plan", "3000.00", 3)],
                 identity_style="last4"),
        Scenario("12月8号还800", zh, ["我12月8号还800"], [arrangement("promise", "800.00", 1, "2026-12-08")],
                 identity_style="last4"),
        Scenario("下周五还五百", zh, ["下周五还五百块"], [arrangement("promise", "500.00", 1)]),
        Scenario("一次性还清", zh, ["我想一次性还清", "好的"], [arrangement("settlement")], identity_style="last4"),
        Scenario("先报名字", zh, ["我是{name}本人", "还差多少"], [verified, balance_zh], identity_style="last4"),
        Scenario("身份和问题一起", zh, ["我的身份证后4位是{last4}，现在欠多少？"], [verified, balance_zh]),
        Scenario("别人的名字不是求助", zh, ["我是王小明"], [no_crisis_line, no_handoff, no_disclosure],
                 meant_it=False),
        Scenario("打错了", zh, ["你打错了 我不认识这个人"], [wrong_number, no_disclosure, no_handoff]),
        Scenario("退订：这个号码", zh, ["这号码别再发短信过来了"], [optout("sms", "nlu"), no_handoff]),
        Scenario("按大小选分期", zh, ["能分期吗", "那就选最长的那个吧", "好的"],
                 [arrangement("plan", installments=12)]),
        Scenario("你是谁，然后是我", zh, ["你是谁", "对 是我本人", "我欠多少钱"], [verified, balance_zh]),
        Scenario("停止联系", zh, ["以后不要再联系我了"], [optout("all", "nlu"), status("cease"), says("最后一条")]),
        Scenario("崩溃", zh, ["我快崩溃了 真的撑不住了"], [says("12356"), handoff("distress")], distress=True),
        Scenario("不想活了 先确认再求助", zh, ["我不想活了"], [says("12356"), handoff("distress")], distress=True),
        Scenario("两次异议 一个转人工", zh, ["这不是我借的", "我从来没借过这笔钱"],
                 [handoff("dispute"), status("dispute")]),
        Scenario("律师", zh, ["这事找我律师"], [status("attorney"), handoff("attorney")]),
        Scenario("没钱", zh, ["最近没钱 失业了"], [verified, status("hardship")], identity_style="last4"),
        Scenario("已经还了", zh, ["我上周已经还了"], [handoff("paid_claim")]),
        Scenario("破产", zh, ["我已经申请破产了"], [status("bankruptcy")]),
        Scenario("你们是谁", zh, ["你们是哪家公司"], [no_disclosure, no_handoff]),
        Scenario("不是本人", zh, ["我欠多少"], [no_disclosure, no_arrangement], name_answer="不是"),
        # "is this 黄强?" answered "对，就是我": the identity question follows, nothing else
        Scenario("就是我", zh, ["我还欠你们多少"], [no_handoff, says("出生日期")], name_answer="对，就是我"),
        Scenario("同一承诺两次", zh, ["我12月8号还800", "我12月8号还800"],
                 [arrangement("promise", "800.00", 1, "2026-12-08")], identity_style="last4"),
        Scenario("列出方案后 就四个月", zh, ["可以分期吗", "行啊 就四个月", "好的"],
                 [understood_zh, arrangement("plan", "3000.00", 4)], identity_style="last4"),
        Scenario("还价后 就四个月", zh, ["我每个月只能还一百", "行啊 就四个月", "好的"],
                 [understood_zh, arrangement("plan", "3000.00", 4)], identity_style="last4"),
        Scenario("我不觉得欠你们钱", zh, ["我不觉得我欠你们什么钱"],
                 [no_disclosure, status("dispute"), handoff("dispute"), understood_zh]),
        Scenario("问名字时说不欠钱", zh, ["我现在欠多少"],
                 [no_disclosure, status("dispute"), handoff("dispute"), understood_zh],
                 name_answer="我不觉得我欠你们什么钱"),
        Scenario("生气", zh, ["你们烦不烦 天天发"], [no_crisis_line, no_optout], meant_it=False),
        # --- found playing a debtor (w8); kept at the end so the list merges
        # thanks after an offer once confirmed a pay-in-full arrangement; a request for time
        # after the hardship offer got the no-discount pay-in-full offer
        Scenario("hardship, time, then thanks", en, ["i lost my job last month", "can you give me some time",
                                                     "thanks"],
                 [no_arrangement, never_says("Done. Your arrangement|pay the full"), says("pause until"),
                  status("hardship")]),
        Scenario("困难 缓一缓 谢谢", zh, ["我老公住院了 实在没钱", "能不能缓一缓", "谢谢"],
                 [no_arrangement, never_says("已确认您的还款安排|一次性还清"), says("暂停还款"),
                  status("hardship")]),
        # $50 a month after "a pause; 20 x $25.00" was countered with 6 x $83.33
        Scenario("50 a month after hardship", en, ["i lost my job last month tbh", "can i do like 50 a month", "yes"],
                 [arrangement("plan", "500.00", 10), never_says(r"\$83\.33")]),
        # a time that suits them was stored as the time not to call
        Scenario("after 5 is best", en, ["can you call me instead? after 5 is best"],
                 [never_says("not to contact you after 17:00"), says("before 17:00")]),
        # "the 1st of next month" lost its date; "the full amount" then got the settlement date
        Scenario("full amount on the 1st of next month", en, ["i'll pay on the 1st of next month", "the full amount",
                                                              "yes"],
                 [full_balance_on_first_of_next_month("500.00", "America/New_York", 14)]),
        Scenario("下个月初还清", zh, ["我下个月初还清", "对"],
                 [full_balance_on_first_of_next_month("3000.00", "Asia/Shanghai", 15), understood_zh]),
        # a debt question after a dispute / an attorney got no reply at all
        Scenario("dispute, then the balance", en, ["I never had an account with acme, this isn't my debt",
                                                   "what's the balance anyway"],
                 [handoff("dispute"), never_says(r"\$[\d,]+\.\d\d")]),
        Scenario("异议后问余额", zh, ["这钱不是我借的，你们搞错了", "那我还欠多少"],
                 [handoff("dispute"), never_says(r"¥[\d,]+\.\d\d")]),
        Scenario("attorney, then his number", en, ["my lawyer handles this now, talk to him",
                                                   "his name is Bob Ray 555 0100"],
                 [handoff("attorney"), status("attorney"), never_says("date of birth")]),
        Scenario("律师 然后电话", zh, ["这事找我律师", "律师姓李，电话13912345678"],
                 [handoff("attorney"), status("attorney"), never_says("出生日期")]),
        # a revocation said any reasonable way (FCC 24-18): "stop harassing me" stops the texts
        Scenario("stop harassing me", en, ["😡😡 stop harassing me"], [optout("sms", "nlu"), no_crisis_line]),
        Scenario("what do you want", en, ["fine what do you want"], [understood_en, says("This is "), no_disclosure]),
    ] + _courtesy_scenarios()


def _courtesy_scenarios() -> List[Scenario]:
    """Found playing a debtor (convo3): "is this a scam?" handled as anger, then distress
    (a yes sent the crisis line) or a dispute (怎么证明); "thx"/"thanks!"/"谢谢啦" not
    understood or taken as goodbye; "i have the receipt" after "i already paid" a second
    handoff notice; "你们想怎么样" after the hardship offer out of scope."""
    en, zh = "en", "zh"

    def no_status(name: str) -> Check:
        return lambda t, o: f"unexpected status {name} in {o.statuses}" if name in o.statuses else None

    def said_once(pattern: str) -> Check:
        def check(t: Transcript, o: Outcome) -> Optional[str]:
            n = sum(bool(re.search(pattern, r)) for r in t.sent)
            return None if n == 1 else f"{n} replies matching {pattern!r}, expected one"
        return check

    return [
        Scenario("is this a scam, how do i know you're real", en,
                 ["is this a scam?", "how do i know youre real", "ok whats my balance"],
                 [says(r"call us at .*never ask you to send money"), never_says("frustrating|make sure you're OK"),
                  no_handoff, no_status("dispute"), says(r"\$[\d,]+\.\d\d")]),
        Scenario("是不是骗子 怎么证明", zh, ["你们是不是骗子", "怎么证明", "那我欠多少"],
                 [says("官方客服电话.*绝不会要求您向个人"), never_says("不快|异议"), no_handoff,
                  no_status("dispute"), says(r"¥[\d,]+\.\d\d")]),
        Scenario("thanks in the middle", en, ["whats my balance", "thx", "thanks!", "can i pay monthly"],
                 [says("You're welcome"), never_says("didn't catch that|Goodbye"), says("monthly installments"),
                  no_arrangement]),
        Scenario("中途道谢", zh, ["我欠多少", "谢谢啦", "能分期吗"],
                 [says("不客气"), never_says("没有理解|再见"), no_arrangement], identity_style="last4"),
        Scenario("already paid, then the receipt", en, ["i already paid this yesterday", "i have the receipt"],
                 [handoff("paid_claim"), said_once("passing this to a member of our team"),
                  said_once("Thank you for letting us know"), says("keep the receipt")]),
        Scenario("已经还了 有转账记录", zh, ["我昨天已经还了", "有转账记录"],
                 [handoff("paid_claim"), said_once("为您转接工作人员"), said_once("感谢告知"), says("保留好转账记录")]),
        Scenario("what do you want from me after the hardship offer", en,
                 ["i lost my job, i have no money", "what do you want from me"],
                 [status("hardship"), says("a way forward that works for you"), never_says("can't help with that")]),
        Scenario("困难方案后 你们想怎么样", zh, ["我没工作了，一分钱都没有", "你们想怎么样"],
                 [status("hardship"), says("您能承受"), never_says("无法在这里处理")]),
    ]


SCENARIOS: List[Scenario] = _scenarios()


def _wave8() -> List[Scenario]:
    """Known defects (split promises, working hours, distress with a request for a person)
    and what playing a debtor found, in phrasings not in the training data. Every one must
    pass (tests/conversations/test_wave8.py), not a share of them."""
    en, zh = "en", "zh"
    return [
        # --- defect 1: a split promise is confirmed in two parts, then stored as one promise of two
        Scenario("split: the rest in january", en, ["200 next friday and the rest in january", "yes"],
                 [arrangement("promise", "500.00", 2), says(r"\$200\.00 on \d{4}-\d\d-\d\d and \$300\.00 on "),
                  no_handoff]),
        Scenario("split: now and the 15th", en, ["100 now and 150 on the 15th", "ok fine"],
                 [arrangement("promise", "250.00", 2), says(r"\$100\.00 on .* and \$150\.00 on "), no_handoff]),
        Scenario("split: rest without a date", en, ["i can send $150 tmrw and the rest whenever i can"],
                 [no_arrangement, handoff("split_promise")]),
        Scenario("拆分：剩下的一月份", zh, ["这周五先还200，剩下的一月份还清", "是"],
                 [arrangement("promise", "3000.00", 2), says(r"¥200\.00，\d{4}年\d+月\d+日还款¥2,800\.00"), no_handoff],
                 identity_style="last4"),
        Scenario("拆分：先还一半", zh, ["先还一半 月底还剩下的", "嗯"],
                 [arrangement("promise", "3000.00", 2), says(r"¥1,500\.00，.*¥1,500\.00"), no_handoff]),
        # --- defect 2: working hours / the daytime are a span; "at work" is the place flag
        Scenario("working hours are a span", en, ["dont call me during working hours"],
                 [span("09:00", "18:00"), workplace(False), says("09:00-18:00"), no_optout]),
        Scenario("at work is the place", en, ["i cant take calls at work"], [workplace(True), span_none, no_optout]),
        Scenario("上班时间是时段", zh, ["上班时间别打电话"],
                 [span("09:00", "18:00"), workplace(False), says("09:00-18:00"), no_optout]),
        Scenario("白天是时段，不是停止联系", zh, ["白天不要打电话"],
                 [span("09:00", "18:00"), no_optout, no_status("cease")]),
        Scenario("在上班是地点", zh, ["我在上班 不能接电话"], [workplace(True), span_none, no_optout]),
        # --- defect 3: distress on the third negative message: the crisis line and a person
        Scenario("distress after a streak", en,
                 ["what do i owe", "this is ridiculous", "you people are the worst",
                  "i cant handle this anymore, let me talk to someone"],
                 [handoff("distress")], distress=True),
        Scenario("连续不满后崩溃", zh, ["我欠多少钱", "你们烦死了", "天天催 烦不烦", "我真的撑不下去了 让你们的人来跟我说"],
                 [says("12356"), handoff("distress")], distress=True),
        # --- playing a debtor: mixed orders, dates in words, typos, emoji, very short replies
        Scenario("negotiate, dispute, then a person", en,
                 ["can i pay monthly", "wait actually this isnt even my debt", "i want to talk to a real person"],
                 [status("dispute"), handoff("dispute"), no_arrangement]),
        Scenario("the 15th of next month", en, ["i can pay 100 on the 15th of next month"],
                 [says(r"\$100\.00"), no_handoff, never_says("didn't catch that")]),
        Scenario("paid when i get paid is not a paid claim", en, ["i'll pay when i get paid"],
                 [no_handoff, no_status("paid_claim")]),
        Scenario("changed my mind, a person", en, ["i changed my mind, i want a person"],
                 [handoff("requested_human"), never_says("bankrupt")]),
        Scenario("typo and emoji balance", en, ["wats my balence 🙄"], [verified, says(r"\$[\d,]+\.\d\d")]),
        Scenario("k after a plan", en, ["can i do 3 months", "k"], [arrangement("plan", "500.00", 3)]),
        Scenario("先分期 再异议 再转人工", zh, ["可以分期吗", "等等 这钱不是我欠的", "给我转人工"],
                 [status("dispute"), handoff("dispute"), no_arrangement]),
        Scenario("下个月初还", zh, ["下个月初还800", "好"], [arrangement("promise", "800.00", 1), no_handoff],
                 identity_style="last4"),
        Scenario("月底前还清不是已还", zh, ["月底前还清"], [no_handoff, no_status("paid_claim")]),
        Scenario("发了工资就还", zh, ["发了工资就还"], [no_handoff, no_status("paid_claim"), no_optout]),
        Scenario("找你们的人聊", zh, ["我想找你们的人聊"], [handoff("requested_human"), no_disclosure_of_wrong]),
        Scenario("嗯 接受分期", zh, ["能分期吗", "那就6期", "嗯"], [arrangement("plan", "3000.00", 6)]),
    ]


def span_none(t: Transcript, o: Outcome) -> Optional[str]:
    return f"unexpected inconvenient times {o.spans}" if o.spans else None


def no_disclosure_of_wrong(t: Transcript, o: Outcome) -> Optional[str]:
    return "number flagged as wrong" if o.wrong_number else None


WAVE8: List[Scenario] = _wave8()

EN_NAMES = ["Jane Doe", "Mark Hill", "Lucy Park", "Omar Diaz", "Ruth King", "Sam Lee", "Nina Ford",
            "Paul Gray", "Ivy Chen", "Tom Wade", "Kate Moss", "Leo Hart", "Ana Ruiz", "Ben Cole",
            "Eva Long", "Max Reed", "Zoe Hunt", "Ian Ross", "Amy Ward", "Dan Fox", "Meg Hale"]
ZH_NAMES = ["王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周婷", "吴刚",
            "徐丽", "孙杰", "马琳", "朱涛", "胡佳", "郭峰", "何雪", "林波", "高燕", "罗军"]


def debtor_for(index: int, scenario: Scenario) -> Debtor:
    if scenario.lang == "en":
        name = EN_NAMES[index % len(EN_NAMES)]
        return Debtor(f"C-EN-{index}", name, f"+1212555{1000 + index:04d}", "en", "500.00",
                      f"1985-03-{10 + index % 15:02d}", f"{1200 + index:04d}")
    name = ZH_NAMES[index % len(ZH_NAMES)]
    return Debtor(f"C-ZH-{index}", name, f"+86138001{38000 + index:05d}", "zh", "3000.00",
                  f"1990-07-{1 + index % 20:02d}", f"{4800 + index:04d}")


def portfolio_csv(debtors: Sequence[Debtor]) -> str:
    header = "account_id,name,phone,balance,language,timezone,pack,currency,creditor,dob,id_last4,zip\n"
    return header + "".join(d.csv_row() for d in debtors)


def identity_answer(d: Debtor, style: str) -> str:
    y, m, dd = d.dob.split("-")
    if d.lang == "zh":
        return f"身份证后四位{d.id_last4}" if style == "last4" else f"我生日是{y}年{int(m)}月{int(dd)}日"
    if style == "last4":
        return f"last 4 is {d.id_last4}"
    if style == "birthday":
        months = ["january", "february", "march", "april", "may", "june", "july", "august",
                  "september", "october", "november", "december"]
        return f"my birthday is {months[int(m) - 1]} {int(dd)} {y}"
    return f"dob {int(m)}/{int(dd)}/{y}"


def fill(text: str, d: Debtor) -> str:
    y, m, dd = d.dob.split("-")
    return text.format(first=d.name.split()[0], name=d.name, last4=d.id_last4, dob=f"{int(m)}/{int(dd)}/{y}")


# ----------------------------------------------------------------------------- running

def outcome_of(d: Debtor) -> Outcome:
    from sqlalchemy import select

    from bot.store.db import session_scope
    from bot.store.models import (
        Account,
        AccountStatus,
        Arrangement,
        Handoff,
        InconvenientTime,
        OptOut,
        Phone,
        Verification,
    )

    with session_scope() as s:
        arrangements = [
            (a.kind, Decimal(str(a.total)), len(a.installments),
             a.installments[0].due_date if a.installments else None)
            for a in s.execute(select(Arrangement).where(Arrangement.account_id == d.account_id)).scalars()]
        handoffs = [h.reason for h in s.execute(select(Handoff).where(Handoff.account_id == d.account_id)).scalars()]
        optouts = [(o.channel, o.source) for o in s.execute(
            select(OptOut).where(OptOut.phone == d.phone, OptOut.active.is_(True))).scalars()]
        statuses = [r.status for r in s.execute(select(AccountStatus).where(
            AccountStatus.account_id == d.account_id, AccountStatus.active.is_(True))).scalars()]
        wrong = any(p.wrong_number for p in s.execute(select(Phone).where(Phone.e164 == d.phone)).scalars())
        verified_rows = s.execute(select(Verification).where(Verification.account_id == d.account_id)).first()
        spans = [(r.start.strftime("%H:%M"), r.end.strftime("%H:%M")) for r in s.execute(
            select(InconvenientTime).where(InconvenientTime.account_id == d.account_id)).scalars()]
        workplace = bool(s.get(Account, d.account_id).employer_prohibits)
    return Outcome(arrangements, handoffs, optouts, statuses, wrong, verified_rows is not None, spans, workplace)


def play(bot, scenario: Scenario, d: Debtor, max_turns: int = 10) -> Transcript:
    """The simulated debtor: identity questions first, then the next scripted message."""
    transcript = Transcript(d)
    script = [fill(t, d) for t in scenario.says]
    last_replies: List[str] = []
    sent_script = 0
    for _ in range(max_turns):
        asked = " ".join(last_replies)
        if NAME_QUESTION.search(asked):
            text = scenario.name_answer or ("yes" if d.lang == "en" else "是")
        elif IDENTITY_QUESTION.search(asked):
            text = identity_answer(d, scenario.identity_style)
        elif CONFIRM_QUESTION.search(asked):
            yes, no = ("yes", "no") if d.lang == "en" else ("是", "不是")
            text = yes if scenario.meant_it else no
        elif sent_script < len(script):
            text = script[sent_script]
            sent_script += 1
        else:
            break
        seen = len(bot.standin.messages(d.phone))
        bot.post_sms(d.phone, text)
        last_replies = bot.replies_after(d.phone, seen)
        transcript.turns.append((text, last_replies))
        if scenario.name_answer and text == scenario.name_answer:
            break
    return transcript


def judge(scenario: Scenario, transcript: Transcript, outcome: Outcome) -> List[str]:
    problems = [p for check in scenario.checks if (p := check(transcript, outcome))]
    silent = [text for i, (text, replies) in enumerate(transcript.turns) if not replies and i < scenario.silent_after]
    if silent:
        problems.append(f"no reply to {silent[0]!r}")
    if not scenario.distress and no_crisis_line not in scenario.checks:
        if p := no_crisis_line(transcript, outcome):
            problems.append(p)
    return problems


@dataclass
class Result:
    scenario: Scenario
    transcript: Transcript
    problems: List[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def run_suite(model: Path, scenarios: Sequence[Scenario] = SCENARIOS, workdir: Optional[Path] = None) -> List[Result]:
    """Import one debtor per scenario into a fresh SQLite store, start the assistant, play."""
    import os

    from bot.cli import main as cli
    from bot.config import reset_settings
    from bot.runtime.harness import RunningAssistant
    from bot.store.db import reset_engine

    workdir = workdir or Path(tempfile.mkdtemp(prefix="conversations-"))
    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "TWILIO_AUTH_TOKEN", "COLLECTBOT_API_TOKEN")}
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'conversations.db'}"
    os.environ.setdefault("TWILIO_AUTH_TOKEN", "conversation-suite-token")
    os.environ.setdefault("COLLECTBOT_API_TOKEN", "conversation-suite-api")
    reset_settings()
    reset_engine()
    try:
        debtors = [debtor_for(i, s) for i, s in enumerate(scenarios)]
        (workdir / "portfolio.csv").write_text(portfolio_csv(debtors), encoding="utf-8")
        if cli(["db", "upgrade"]) != 0 or cli(["import", str(workdir / "portfolio.csv")]) != 0:
            raise RuntimeError("could not prepare the conversation store")
        results = []
        with RunningAssistant(model, log_file=workdir / "server.log") as bot:
            for scenario, d in zip(scenarios, debtors):
                transcript = play(bot, scenario, d)
                results.append(Result(scenario, transcript, judge(scenario, transcript, outcome_of(d))))
        return results
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_settings()
        reset_engine()


def success_rates(results: Sequence[Result]) -> Dict[str, float]:
    rates = {}
    for lang in ("en", "zh"):
        mine = [r for r in results if r.scenario.lang == lang]
        if mine:
            rates[lang] = round(sum(r.ok for r in mine) / len(mine), 3)
    return rates


def report(results: Sequence[Result]) -> str:
    lines = []
    for r in results:
        mark = "ok  " if r.ok else "FAIL"
        lines.append(f"{mark} [{r.scenario.lang}] {r.scenario.name}" + ("" if r.ok else f": {'; '.join(r.problems)}"))
        if not r.ok:
            for text, replies in r.transcript.turns:
                lines.append(f"       > {text}")
                lines += [f"       < {x}" for x in replies]
    return "\n".join(lines)
