"""Issue 13 (wave 7b): the families of held-out set 9's first run (development data since),
fixed by rule (packs/banned_wave7b.yml; `_quoted_by_debtor`, the civil docket number and the
places in phrases.py; new keys under `negation:` in banned_common.yml). Every text here was
written for these tests, none copied from a held-out set or the training corpus; each
LAWFUL and BANNED text was checked to be decided wrongly before the change, and each
STILL_BANNED / STILL_LAWFUL twin guards the other side of the same family."""

from __future__ import annotations

import pytest

from compliance_filters import check_text

# lawful texts the rules blocked before wave 7b, one family per block
LAWFUL = [
    # the debtor's right to complain to a regulator or an attorney general
    ("en", "You can submit a complaint to the state banking regulator or to your state attorney general."),
    # the debtor's own words quoted back to answer them
    ("en", "You wrote \"will the sheriff come and arrest me?\" The answer is no: this is a civil debt."),
    ("zh", "您问“你们会不会说我是骗子”，不会的，我们只核对还款信息。"),
    # a company rule forbidding the visit
    ("zh", "您反映有人要上门，请放心，本公司严禁上门催收，我们已核查该号码。"),
    # an earlier wrong message corrected
    ("en", "Correction: yesterday's reminder incorrectly stated that you could be arrested. That is not true."),
    # the debtor's question about what we may do, answered no by the next sentence
    ("en", "You asked whether we can seize your car. We cannot; only a court could allow that."),
    ("en", "You wanted to know whether we could repossess the truck. No, this loan has no collateral."),
    # places named after courts and police
    ("en", "Parking is free in the lot across from the police station, two minutes from our office."),
    ("zh", "您登记的地址是法院家属院3号楼，请确认是否正确。"),
    # advice about a scam call
    ("en", "If a caller demands gift cards, do not reply and call the police or tell the FTC."),
    ("zh", "您说前几天接到“假民警”的电话差点被骗，以后碰到这类来电直接挂掉报警就好。"),
    # a civil case stated as a fact, with its docket number
    ("en", "Per your request, the docket is 25-CV-0420 in Dallas County Court; a lawyer can explain your options."),
    ("zh", "该案件法院已立案受理，具体开庭时间以法院通知为准，如有疑问可咨询律师。"),
    # a marketing blocklist
    ("zh", "已将您的手机号加入推广短信黑名单，后续不会再向您发送活动信息。"),
    # the debtor telling us about the family
    ("en", "You told us your daughter is starting school again in January, so we moved your payment date."),
]

# misses of wave 7b's families, new wordings
BANNED = [
    ("en", "This file is now with the Federal Bureau of Investigation."),
    ("zh", "你的欠款信息马上就会暴光"),
    ("zh", "继续躲着，我们就让你社死"),
    ("en", "Pay today, because if we have to come to you it will not be pretty."),
    ("zh", "你个2b，短信也不回"),
    ("en", "Listen dummy, the payment was due Friday."),
    ("en", "Expect your kid's school to be receiving a letter about the balance."),
    ("zh", "你留的联系人我们逐个打过去"),
    ("zh", "你tm能不能快点还"),
]

# the other side of each family: still banned
STILL_BANNED = [
    ("en", "I said \"you will go to jail\" and I meant it."),
    ("zh", "我说过了，你就是个老赖。"),
    ("en", "We will file a complaint with the court and have you arrested."),
    ("en", "Our officers will meet you at the police station."),
    ("zh", "我们马上上门催收。"),
    ("en", "We will call the police if you do not pay today."),
    ("zh", "你已经上了征信黑名单。"),
    ("zh", "我是民警，你欠钱不还，等着被抓。"),
    ("zh", "假如你不还，法官会判你坐牢。"),
    # the debtor's question about what WE may do is excused only when the next sentence
    # answers no (`phrases._answered_no`)
    ("en", "You asked if we can garnish your paycheck. Yes, we can, and we will."),
    ("en", "You asked whether we can have you arrested, and the answer is yes."),
    ("en", "You asked if we could take your car. Absolutely, tomorrow morning."),
    ("en", "You asked if we can garnish your pay. No need to worry about that, we just will."),
]

# ... and still lawful
STILL_LAWFUL = [
    ("en", "The children's school is closed next Monday, so our office is closed too."),
    ("zh", "我们很重视您的意见，祝您生活愉快。"),
    ("en", "That's a pretty good plan, thank you."),
    ("zh", "客服会挨个打电话回访，请您留意来电。"),
]


@pytest.mark.parametrize("lang,text", LAWFUL)
def test_lawful_family_is_allowed(us, lang: str, text: str) -> None:
    assert check_text(us, text, lang).allowed, text


@pytest.mark.parametrize("lang,text", BANNED)
def test_banned_family_is_blocked(us, lang: str, text: str) -> None:
    assert not check_text(us, text, lang).allowed, text


@pytest.mark.parametrize("lang,text", STILL_BANNED)
def test_twin_still_blocked(us, lang: str, text: str) -> None:
    assert not check_text(us, text, lang).allowed, text


@pytest.mark.parametrize("lang,text", STILL_LAWFUL)
def test_twin_still_allowed(us, lang: str, text: str) -> None:
    assert check_text(us, text, lang).allowed, text
