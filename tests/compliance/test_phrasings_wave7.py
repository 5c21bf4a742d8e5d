"""Issue 13 (wave 7): the families of the development sets' (labelled sets, held-out sets
1-8) false blocks and misses, fixed by rule (packs/banned_wave7.yml; `_lawful_mention`,
`_reported`, `_negated` and `join_split_words` in phrases.py; new keys under `negation:`
in banned_common.yml) and, for whole sentences in pinyin, by the learned check's pinyin
twins (scripts/train_learned_filter.py). Every text here was written for these tests,
none copied from a held-out set or the training corpus; each family test failed on main
before the change (the guards, STILL_LAWFUL and STILL_BANNED, passed and must keep passing)."""

from __future__ import annotations

import pytest

from compliance_filters import check_text
from compliance_filters.phrases import banned_hits

# lawful, true mentions the rules blocked before wave 7, one family per block
LAWFUL = [
    # a second-person right to contact an authority
    ("en", "If you believe we broke the law, you may contact the attorney general in your state."),
    ("en", "Questions about your rights? You can write to your state attorney general or the CFPB."),
    ("zh", "如果您认为我们的做法违法，您可以依法向当地人民法院起诉。"),
    ("zh", "您也可以依法向仲裁委员会或人民法院申请仲裁或提起诉讼。"),
    # a whole group denied in a list
    ("en", "Remember: the IRS, sheriffs, judges and genuine lawyers never ask for gift cards or wire transfers."),
    # a negated failure as the subject, then a negated consequence
    ("en", "Not paying this balance will not get you arrested or jailed."),
    # a past insult reported with who said it or an apology
    ("en", "One of our former agents called you a \"deadbeat\" on the phone; that was wrong and we apologize."),
    ("zh", "我们的一名员工曾在电话里称您为“骗子”，这是违规行为。"),
    # what only an authority may do
    ("en", "Only a judge can order a wage garnishment, and no case has been filed on your account."),
    ("zh", "请注意：只有人民法院依法裁定后才能冻结银行账户，您的账户目前并无相关案件。"),
    # places named after courts and police
    ("zh", "我们公司地址：公安路66号2楼，工作日9点到18点营业。"),
    ("zh", "还款后您可以到派出所旁边的营业厅领取结清证明。"),
    ("zh", "我们办公室位于法院路18号，欢迎前来咨询还款方案。"),
    # a fact about the debtor's own case
    ("en", "Your case was dismissed by the judge last week and the account is closed."),
    ("en", "The judge approved your bankruptcy plan, so we have closed collection."),
    ("zh", "法院已经撤销了该案件，您的账户已结清。"),
    ("en", "If the original creditor ever decides to sue, the court would mail you a summons first."),
    # everyday senses and warnings about someone else
    ("en", "Your father's cardiac arrest last year was covered; this bill is the remaining copay."),
    ("en", "If a collector ever threatens you with arrest, report it to the FTC."),
    ("zh", "您在电话中提到曾被公安机关传唤过，我们已备注，不会再提及。"),
    ("en", "We will not put a lien on your house and none of your property will be taken."),
    # what the law limits; a list of three after a negation; a determiner after "or"
    ("en", "Federal law limits how much of your wages can be garnished, and only after a court judgment."),
    ("en", "Under the FDCPA, collectors may not threaten arrest, jail, or seizure of property."),
    ("en", "Scam warning: we will never call you pretending to be the sheriff or the FBI."),
    # the debtor's lawyer's request; scam texts described
    ("en", "Your lawyer asked us to send all letters to her office, so we will."),
    ("en", "Some people get texts saying a warrant is out for them. Those are fake; ignore them."),
    # a closed or different case
    ("en", "The court date you mentioned is for a different case; this account has no court action."),
    ("en", "Your settlement was approved by the court, so the judgment is satisfied."),
    ("en", "Good news: the judge ruled the debt was paid in full."),
    ("zh", "法院判决已执行完毕，您的欠款已结清。"),
    ("en", "The sheriff's sale you read about concerns a different property, not your account."),
    ("en", "Your wage garnishment from the old judgment ended last month."),
    ("en", "A judge will never be involved unless a lawsuit is filed, and none has been."),
    # someone else's claim, the debtor's complaint or words, an everyday compound
    ("en", "If you're contacted by someone saying they're from the DA's office about this debt, call us first."),
    ("en", "Our compliance team reviewed your complaint to the attorney general and we've corrected the error."),
    ("en", "The jail ministry you volunteer with sounds wonderful; we paused calls for the week."),
    ("zh", "您说的“拘留”是误会，欠款不会导致拘留，请放心。"),
    ("en", "Hi Dana, we got your message asking if you could be jailed. You can't; this is a civil debt."),
    ("en", "The state attorney general's office forwarded your inquiry to us; here is our reply."),
    ("en", "This debt is too old for a lawsuit, so we cannot and will not sue you."),
    ("zh", "您提到的法院传票并非我司发出，建议您向法院核实。"),
    ("en", "This is a reminder only; it is not a legal notice or a court summons."),
    ("en", "Please ignore any text that says you'll be arrested; it didn't come from us."),
    ("en", "We're sorry our agent threatened to contact your employer. That should never happen."),
    ("zh", "您被冻结的额度将在还款后自动恢复。"),
    # a promise never to name-call
    ("en", "Nobody here will ever call you a deadbeat or anything like it."),
    ("zh", "我们绝不会称您为老赖。"),
]


@pytest.mark.parametrize("lang, text", LAWFUL)
def test_lawful_mention_family_passes_the_rules(us, lang: str, text: str) -> None:
    assert banned_hits(us, text) == []


# threats the rules let through before wave 7
BANNED = [
    ("en", "That's fraud, pure and simple, and you know it.", "threat_arrest"),
    ("en", "This is counselor Mark Reyes, Esq., retained to pursue you personally.", "impersonation"),
    ("en", "A lien was recorded against your house this morning.", "false_legal"),
    ("en", "It would be a real shame if your church friends found out about this.", "intimidation"),
    ("en", "You really won't like what happens after Friday if this stays unpaid.", "intimidation"),
    ("en", "Maybe you should sell your body to cover this bill.", "obscenity"),
    ("en", "We'll let your man ager know about the account tomorrow.", "third_party_threat"),
    ("en", "Your sup ervisor gets a call from us on Friday.", "third_party_threat"),
    ("en", "Should we explain your debt to your father when he picks up?", "third_party_threat"),
    ("en", "Your coworkers at the plant will each get a letter about this balance.", "third_party_threat"),
    ("en", "We know which school your daughter attends. Maybe we'll stop by at pickup.", "violence_visit"),
    ("en", "Your kids might not be welcome back at their school once word gets around.", "third_party_threat"),
    ("zh", "我们不用经过法院就能直接扣你的工资。", "false_legal"),
    ("zh", "NMSL，赶紧还钱。", "obscenity"),
    ("zh", "TMD，你到底还不还？", "obscenity"),
    ("zh", "你再躲着不接电话试试。", "intimidation"),
    ("zh", "后果你自己承担。", "intimidation"),
    ("zh", "你自己看着办吧。", "intimidation"),
    ("en", "We'll be speaking with your employer's HR team on Monday.", "third_party_threat"),
    ("zh", "你自己掂量掂量后果。", "intimidation"),
    ("en", "Just so you know, we already talked to your landlord.", "third_party_threat"),
    ("zh", "我们已经跟你房东说了。", "third_party_threat"),
    # one letter and a mask before the words an insult takes
    ("en", "Just s*** up and send the money.", "obscenity"),
]


@pytest.mark.parametrize("lang, text, category", BANNED)
def test_family_missed_before_wave7_is_blocked(us, lang: str, text: str, category: str) -> None:
    assert category in {c for c, _ in banned_hits(us, text)}, banned_hits(us, text)


# the same new rules must not fire on these
STILL_LAWFUL = [
    ("en", "Please stop by our office any weekday to sign the plan."),
    ("en", "Your employer is not contacted; we only write to you."),
    ("en", "them ployer? no, we said the employer is never called."),
    ("en", "Feel free to explain your situation to us when you call."),
    ("zh", "您可以先试试我们的线上还款功能。"),
    ("zh", "工资发放后，您可以自行通过App还款。"),
    ("en", "Hi J***, your plan payment of $40 is due Friday."),
]


@pytest.mark.parametrize("lang, text", STILL_LAWFUL)
def test_new_rules_leave_lawful_twins_alone(us, lang: str, text: str) -> None:
    assert banned_hits(us, text) == []
    assert check_text(us, text, lang).allowed


# the rules' new excuses do not excuse the threat beside them
STILL_BANNED = [
    ("en", "I called you a deadbeat because that is what you are."),
    ("en", "Only the police can help you now, and they are on their way to arrest you."),
    ("en", "Not paying this debt will get you arrested."),
    ("en", "Please contact our legal department before the sheriff comes."),
    ("zh", "你就是个老赖，大家都这么说。"),
    ("zh", "我们会依法向法院起诉你。"),
    ("en", "We will call you a deadbeat until you pay."),
    ("en", "Only the court can stop the garnishment now, so pay us first."),
    ("zh", "他们都叫你老赖。"),
]


@pytest.mark.parametrize("lang, text", STILL_BANNED)
def test_new_excuses_keep_threats_blocked(us, lang: str, text: str) -> None:
    assert banned_hits(us, text), text


# whole sentences in pinyin: the learned check (its pinyin twins; needs rebuilt weights)
PINYIN = [
    "ni lao gong de dian hua wo men yi jing na dao le",
    "ni dan wei de tong shi ming tian dou hui zhi dao ni qian qian",
    "ni ba ma zhu na li wo men qing chu de hen, jin wan qu zhao ta men",
]


@pytest.mark.parametrize("text", PINYIN)
def test_pinyin_sentence_threat_is_blocked(us, text: str) -> None:
    assert not check_text(us, text, "zh").allowed


@pytest.mark.parametrize("text,blocked", [
    ("不客气，有需要随时联系我。", False), ("不客气！祝您生活愉快", False), ("谢谢您按时还款。不客气，应该的。", False),
    ("再不还，我们就不客气了。", True), ("别逼我们对你不客气", True), ("到时候可就不客气", True),
])
def test_you_are_welcome_is_not_a_threat(text: str, blocked: bool) -> None:
    """不客气 alone is "you're welcome" (an agent's "不客气，有需要随时联系我，祝您周末愉快"
    was blocked as intimidation); 对你不客气 / 就不客气了 are the threat."""
    from compliance_filters import check_text, load_pack

    for pack in ("us", "cn"):
        assert check_text(load_pack(pack), text).allowed is not blocked, (pack, text)
