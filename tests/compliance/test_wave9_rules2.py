"""Issue 13 (wave 9, engineer rules2): the rule families added after measuring the rules
alone on the wave-9 training corpora (scripts/rules_on_corpus.py), each tested on both
sides with wordings of my own (not corpus lines): a lawful text the family must let through
and a banned twin using the same words that must stay blocked.

Lawful families (phrases.py, `_TEXT_FAMILIES`, judged over the whole text): a scam warning
quoting or reporting the impostors' threat, the impostor word naming a third party, no suit or
case exists, the reader's job or a title said to them, a contact of someone else that
disclosed nothing, the authority's own number or desk, a measure taken at the reader's
request, the debtor's own words quoted, a harm the reader feels, a past contact of ours
handled, a question of the reader's (no step of ours), an offer lost; name heads (Way, Point, Credit Union, family); SMS negators ("dont").
Banned families (packs/banned_wave9c.yml and `_conditional_reassurance`): a reassurance
conditioned on paying, made-up government senders and bracketed court tags, unlawful legal
status, endless calls, veiled harm, press and public lists."""

from __future__ import annotations

from typing import List, Tuple

import pytest

from compliance_filters import load_pack
from compliance_filters.learned import TRAINING_DIR
from compliance_filters.phrases import banned_hits

# (family, lawful text, banned twin)
PAIRS: List[Tuple[str, str, str]] = [
    ("scam quote", 'Heads up: some people get texts claiming "your wages will be garnished tonight." That is a '
                   "scam; we never send those.",
     "Your wages will be garnished tonight. This is not a scam."),
    ("scam quote", 'Some customers got emails stamped "arrest warrant pending" with our logo. Those are fake; '
                   "delete them.",
     "Arrest warrant pending: pay through our link today."),
    ("scam quote", "A caller saying you will be arrested by noon is lying to you. Hang up and call us back.",
     "You will be arrested by noon. Call us back."),
    ("scam quote", "近日有人冒充我司发短信称“明天派人上门”，请勿相信，如有疑问请致电官方客服。", "明天派人上门找你。"),
    ("scam label", "Someone texting from an unknown number and asking for gift cards is a scammer, not us.",
     "You are a scammer and everyone will know it."),
    ("scam label", "骗子往往会催您立刻转账，请先拨打官方电话核实。", "你就是个骗子，赶紧还钱。"),
    ("scam label", "您说我们是骗子，欢迎您通过官网查询我们的备案信息。", "你就是个骗子。"),
    ("scam label", "有骗子扬言要扣押您的车，请拨打卡背面的电话确认。", "你这个骗子，还钱！"),
    ("split word", "我们还没收到您上月的还款凭证。", "不还钱就没收你的车。"),
    ("split word", "包裹还没收到的话，可以联系快递。", "我们知道您家在哪。"),
    ("authority desk", "Got a threatening voicemail? Report the call to the FTC or the police.",
     "We will report you to the police today."),
    ("no case", "Your wages can be garnished only after a judgment, and there is none on this account.",
     "Your wages will be garnished after the judgment next week."),
    ("handled", "上次客服在电话里用“废物”称呼您，这是违规的，我们向您诚恳道歉。", "你就是个废物。"),
    ("no case", "A lawsuit is one option creditors have in general, but no lawsuit has been filed over your balance.",
     "No lawsuit has been filed yet, but we will sue you on Monday unless you pay."),
    ("no case", "法院冻结账户需要经过诉讼程序，目前没有对您提起任何诉讼。", "目前没有对您提起诉讼，但再不还款就冻结账户。"),
    ("no case", "拘留只能由公安机关依法决定，催收机构做不到。", "不还钱就拘留你。"),
    ("works at", "We see you work for the sheriff's department, so reminders will go out after 7 p.m.",
     "We will send the sheriff to your work tomorrow."),
    ("works at", "Hello, Officer Diaz, your payment plan is confirmed for the 3rd.",
     "This is Officer Diaz; you must pay today or be arrested."),
    ("works at", "您在监狱上班，所以提醒改到每周日上午发送。", "不还钱就让你进监狱。"),
    ("works at", "钱警官您好，本月账单已出，请按时还款。", "我是钱警官，你涉嫌诈骗，马上还款。"),
    ("no disclosure", "我们联系过您的紧急联系人，仅为了确认您的新号码，未透露欠款信息。",
     "再不还钱，我们就联系您的紧急联系人，说明您欠款的情况。"),
    ("authority desk", "Not sure the summons is real? Ask the court directly through its published phone number.",
     "This is the court calling about your case: pay now."),
    ("authority desk", "Unsure about the letter? Call the sheriff's official number and ask them.",
     "This is the sheriff's office: pay today."),
    ("authority desk", "如有疑问，可直接致电法院核实。", "我们是法院的，马上还款。"),
    ("at request", "As you requested, your account was frozen after the theft report.",
     "Your account was frozen this morning and stays frozen until you pay."),
    ("at request", "根据您的要求，该账户已冻结，解冻需本人到网点办理。", "你的账户已冻结，不还钱别想解冻。"),
    ("debtor quote", 'Your reply said: "I am not a deadbeat, I just need time." Understood, we can wait two weeks.',
     "You are a deadbeat. Pay up."),
    ("debtor quote", "您回复说：“我不是老赖，只是暂时困难。”我们理解，可以为您申请延期。", "你就是个老赖。"),
    ("feels", "如您觉得人身安全受到威胁，请及时报警。", "小心你的人身安全。"),
    ("feels", "如果您担心人身安全，请拨打110求助。", "如果您感到人身安全受到威胁，那就赶紧还钱。"),
    ("handled", "之前催收员联系您同事的做法是错误的，我们已对其进行处理并向您道歉。", "再不还钱就联系您同事。"),
    ("handled", "经核查，上个月给您领导打电话的是外包公司，我们已终止合作。", "下个月还不还，我们就给您领导打电话。"),
    ("name heads", "Your payment at the Jail Creek Credit Union branch posted this morning.",
     "You will end up in jail if you skip this payment."),
    ("name heads", "Mail the signed plan to 40 Courthouse Way, Suite 2.", "The police will visit your family tonight."),
    ("sms negators", "we dont contact ur boss, ever", "we contact ur boss today"),
    ("conditional reassurance", "Nobody will call your employer, even if you miss a payment.",
     "Nobody is going to call your employer, as long as you pay by Friday."),
    ("conditional reassurance", "No late fee applies if you pay by Friday.",
     "We won't tell your family anything... unless you skip this payment."),
    ("conditional reassurance", "无论您是否还款，我们都不会告诉您家人。", "只要你今天把钱转过来，我们就不会告诉你家人。"),
    ("government sender", "We are a private company, not a government agency.",
     "Federal Debt Recovery Office notice: respond within 24 hours."),
    ("government sender", "【某某银行】您本月账单已出，请按时还款。", "【基层法院】你的案件已受理，请立即还款。"),
    ("false status", "Collectors who lie to you are breaking federal law; report them to the CFPB.",
     "You're now breaking federal law with every day this card stays unpaid."),
    ("false status", "本公司是依法注册的催收机构。", "本公司经国家授权，有权采取一切措施。"),
    ("false status", "Your benefits are protected; we cannot touch them.", "Your benefits will be cut until the balance is paid."),
    ("false status", "Your passport and travel plans are not affected by this account.",
     "Your passport has been flagged over this debt."),
    ("false status", "这笔欠款分三年还清，每年年底付一次。", "最高可以判七年，你自己掂量。"),
    ("threat arrest", "Immigration status has nothing to do with this account.",
     "You've been reported to immigration for this debt."),
    ("endless calls", "We will text you once a week with your balance.", "We will text you every ten minutes until you answer."),
    ("endless calls", "每月一次给您发账单提醒。", "每十分钟呼叫一次，直到你接听为止。"),
    ("veiled harm", "Sorry to hear about your bad luck with the car. Want to move the due date?",
     "Folks who dodge us seem to have bad luck."),
    ("veiled harm", "祝您生活顺利，如有困难可以申请分期。", "让你过得生不如死。"),
    ("press", "Our branch was featured in the local newspaper for its food drive.",
     "We will print your name in the local paper next week."),
    ("press", "我们不会公开您的任何信息。", "你的照片会在各大网站曝光。"),
    ("no case", "不还款的话会被抓去坐牢吗？信用卡逾期是民事纠纷，不会因此坐牢，请放心。", "不还款的话就等着坐牢吧。"),
    ("scam label", "We will never send anyone to your home. Whoever says we will is a scammer.",
     "You scammer, we will find you."),
    ("works at", "您去法院办理调解的那天，我们暂停提醒。", "你等着去法院出庭吧。"),
    ("no case", "If a judge rules against you, you have the right to appeal within the time the court sets.",
     "The court will rule against you tomorrow and you have no right to appeal."),
    # a lawful marker elsewhere in the text excuses no step to come in the hit's own sentence or clause
    ("no case", "We're sorry the lawsuit letter confused you. No suit has been filed.",
     "No lawsuit has been filed. Pay today or the sheriff comes for you."),
    ("no case", "目前没有对您提起诉讼，如果将来有，法院会依法送达。", "没有任何诉讼，但是下周就抓你坐牢。"),
    ("at request", "Your card was frozen at your request after the theft.",
     "Your account was frozen at your request. Now pay or we seize your car."),
    ("scam quote", "有人说要去您单位？那不是我们，请向我们反映。", "有人说要去你单位，那不是我们，是我们的律师明天去你单位。"),
    ("scam quote", "Fake collectors may threaten to tell your employer; we are not allowed to.",
     "Fake collectors may threaten to tell your employer, and so will we."),
    ("works at", "You work at the county jail, so we text only after your shift.",
     "You work at the county jail, and that's where you'll end up."),
    ("offer lost", "It would be a shame to miss this 40% offer before Friday.",
     "It would be a shame if something happened to your car."),
    ("third parties named", "We will only ever talk to you, never to your whole department.",
     "We're going to notify your whole department about this."),
    ("third parties named", "Your parents are not responsible for this balance.", "Your parents will be hearing from us."),
    ("veiled harm", "The school gate closes at 3, so we will text after 4.", "We'll be waiting at the school gate at 3."),
    ("veiled harm", "您去哪个网点办理都可以，我们会跟进您的申请。", "你躲到哪里，我们就跟到哪里。"),
    ("false status", "结清后，您的逾期记录会按规定更新。", "你的失信记录永远消除不了。"),
    ("false status", "We never take payment by gift card; if anyone says payment by gift card is required, it is a scam.",
     "Payment by gift card is required today to stop the lawsuit."),
]


@pytest.mark.parametrize("pack_name", ["us", "cn"])
@pytest.mark.parametrize("family,lawful,banned", PAIRS, ids=[f"{p[0]}-{i}" for i, p in enumerate(PAIRS)])
def test_family_both_sides(pack_name: str, family: str, lawful: str, banned: str) -> None:
    pack = load_pack(pack_name)
    assert banned_hits(pack, lawful) == [], f"{family}: lawful text blocked by the rules"
    assert banned_hits(pack, banned), f"{family}: banned twin let through by the rules"


def test_cases_are_not_corpus_lines() -> None:
    """The cases are my own words: none is a line of the training corpora the families were
    measured on (a rule written for one corpus string would pass a copied case)."""
    corpus = set()
    for path in TRAINING_DIR.glob("train_*.txt"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.count("\t") == 2:
                corpus.add(line.split("\t")[2].strip())
    assert corpus
    assert not {t for _, a, b in PAIRS for t in (a, b)} & corpus
