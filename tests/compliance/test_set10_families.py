"""Issue 13 (wave 8b): the families of held-out set 10's first run (development data since;
tests/compliance/test_heldout.py), fixed by rule: packs/banned_wave8b.yml for the misses; in
phrases.py the creditor's option followed by a clause of its own (`_no_condition_after`) and
impostors named by what they claim to be (`_zh_impostors_called`); in banned_common.yml the
impostor's call the debtor may get ("if you ever get a call ...") and a claim called false
(是假的, "are false"); in phrases.py the same call in Chinese, disowned in the next clause
(`_CALL_PENDING`: 如果您接到电话说…，那不是我们打的). Every text here was written for these tests, none copied from a
held-out set or the training corpus; each LAWFUL and BANNED text was checked to be decided
wrongly before the change (w8-int 360e785 with its rebuilt weights), and each STILL_BANNED /
STILL_LAWFUL twin guards the other side of the same family."""

from __future__ import annotations

import pytest

from compliance_filters import check_text

# lawful texts the filter blocked before wave 8b, one family per block
LAWFUL = [
    # a creditor's option, then a clause of its own after a semicolon
    ("en", "Your creditor might decide to file a lawsuit; that decision has not been made yet."),
    ("en", "If nothing is arranged, the original creditor could choose to file a lawsuit; none exists today."),
    # a scam text's claim called false
    ("zh", "有短信称您的银行卡已被冻结是假的，请以官方客服为准。"),
    ("en", "Texts telling you that your wages are being garnished by us are false."),
    # impostors named by what they claim to be, called crooks
    ("zh", "防骗提示：冒充“执行法官”让您把钱转到指定账户的全是骗子。"),
    ("zh", "温馨提醒：自称“警察”并索要验证码的都是骗子，请直接挂断。"),
    # an impostor's call the debtor may get
    ("en", "If you receive a text saying you'll be arrested over this balance, it is not from us; please tell us."),
    ("en", "If you ever get a voicemail saying a warrant is out for you, it did not come from our office."),
    ("zh", "如果您接到电话说您会被拘留，那不是我们打的。"),
    ("zh", "若您收到短信称您的账户将被冻结，并非我司发送，请勿理会。"),
]

# misses of set 10's families, new wordings
BANNED = [
    # a court or police as the sender's bracketed tag
    ("zh", "【最高法院】你已被列为被执行人，速还款。"),
    ("zh", "【人民检察院】你涉嫌逃债，请立即还款。"),
    ("en", "[Supreme Court] Final notice: settle your balance today at the link below."),
    # colloquial profanity and its homophones
    ("zh", "卧槽，你到底想怎样？"),
    ("zh", "卧槽，你到底还想拖多久？"),
    ("en", "Fuk you, where is my money?"),
    ("en", "Answer the phone, a-hole."),
    # bodily harm, veiled
    ("en", "Hope you like walking, because you may need a new set of legs."),
    ("en", "Someone might bust your knees one of these days."),
    ("zh", "你的腿是不是不想要了？"),
    # telling every coworker
    ("zh", "月底前没结清的话，所有同事群发短信通知一遍。"),
    # the debtor's children and their school
    ("zh", "你女儿还想不想读书了？"),
    ("en", "Does your daughter still want to go to school next year?"),
    # arrest, indirect
    ("en", "We can get you taken in at your job any day now."),
    # sabotage of the debtor's car, veiled
    ("en", "Your truck might stop starting one of these days."),
    ("en", "Your vehicle may not start one of these mornings."),
    # garnishment and freezing stated as fact
    ("zh", "你的薪水下周起将直接被扣划。"),
    ("en", "Your bank account is being frozen right now."),
    ("en", "Your cards are being frozen as we speak."),
]

# the other side of each family: still banned
STILL_BANNED = [
    ("en", "The creditor may decide to file a lawsuit; pay today or it will."),
    ("en", "The creditor may decide to file a lawsuit; we will make sure of it."),
    ("zh", "短信里说了，您的账户已被冻结。"),
    ("zh", "你这种自称老实人的都是骗子。"),
    ("en", "You'll get a call from the sheriff and be jailed."),
    ("zh", "如果您接到电话说您会被拘留，那就是我们打的。"),
    ("zh", "如果你不还，我们打电话说你会被拘留，不是吓唬你。"),
    ("en", "Your wages are being garnished, and no, that is not false."),
]

# the other side of each new term: still lawful
STILL_LAWFUL = [
    ("zh", "根据最高人民法院的相关规定，逾期利息不得超过法定上限。"),
    ("en", "The Supreme Court has held that debt collectors must follow these rules."),
    ("en", "You told us your car would not start, so we moved the payment date to Friday."),
    ("zh", "我们不会给您的同事发短信，也不会联系您的单位。"),
    ("en", "Your account is not being frozen; this is a reminder only."),
    ("en", "Have you picked up the new statement we mailed?"),
    ("zh", "您可以开通工资卡自动还款，每月5日扣款。"),
]


@pytest.mark.parametrize("lang,text", LAWFUL)
def test_lawful_family_passes(us, lang: str, text: str) -> None:
    assert check_text(us, text, lang).allowed, text


@pytest.mark.parametrize("lang,text", BANNED)
def test_banned_family_is_blocked(us, lang: str, text: str) -> None:
    assert not check_text(us, text, lang).allowed, text


@pytest.mark.parametrize("lang,text", STILL_BANNED)
def test_twin_stays_blocked(us, lang: str, text: str) -> None:
    assert not check_text(us, text, lang).allowed, text


@pytest.mark.parametrize("lang,text", STILL_LAWFUL)
def test_twin_stays_lawful(us, lang: str, text: str) -> None:
    assert check_text(us, text, lang).allowed, text


@pytest.mark.parametrize("lang,text", BANNED)
def test_the_cn_pack_blocks_the_family_too(cn, lang: str, text: str) -> None:
    assert not check_text(cn, text, lang).allowed, text
