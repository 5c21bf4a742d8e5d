"""Issue 13 (wave 6): families held-out sets 5-7 (development data since their first runs)
showed missing, written as rules in packs/banned_wave6.yml. The texts here are other
wordings of each family, written for these tests (none copied from a held-out set); each
banned one was allowed by the rules before the change, and the compliant twins guard the
new rules' precision."""

from __future__ import annotations

import pytest

from compliance_filters import check_text
from compliance_filters.phrases import banned_hits

BANNED = [
    # prison in everyday words
    ("en", "Keep dodging us and you'll be taken in and booked.", "threat_arrest"),
    ("en", "You will get fingerprinted like everyone else who skips out.", "threat_arrest"),
    ("en", "Skipping out on this gets people charged with larceny.", "threat_arrest"),
    ("zh", "你这已经是骗贷了，懂吗？", "threat_arrest"),
    ("zh", "再拖下去我们只能报警了。", "threat_arrest"),
    # made-up offices of a court, a treasury, a legal department
    ("en", "Treasury Review Office: your file is now open.", "impersonation"),
    ("en", "Your account has been referred for litigation as of today.", "impersonation"),
    ("zh", "你的案件即将进入诉讼程序，请做好准备。", "impersonation"),
    ("zh", "法务已经整理好起诉材料。", "impersonation"),
    # refunds, liens, licences, vehicles, credit for life
    ("en", "Your state refund is going to be withheld until this is paid.", "false_legal"),
    ("en", "We can slap a lien on the property you live in.", "false_legal"),
    ("en", "Expect your contractor licence suspended if this drags on.", "false_legal"),
    ("en", "Your pickup will be towed; we'll tow your truck off the street.", "false_legal"),
    ("en", "This stays on your credit report forever.", "false_legal"),
    ("en", "Not one landlord in this state will rent to you after this.", "false_legal"),
    ("en", "Your paycheck gets garnished without warning next week.", "false_legal"),
    ("zh", "再不还，你的征信将完全废掉。", "false_legal"),
    ("zh", "你那辆摩托车明天就会被拖走。", "false_legal"),
    # insults, masked and colloquial
    ("en", "Only a coward hides from a phone call.", "obscenity"),
    ("en", "Pay up, you a$$.", "obscenity"),
    ("zh", "你是不是有病，钱都不还？", "obscenity"),
    ("zh", "赶紧还钱吧，沙雕。", "obscenity"),
    # the people around the debtor: children, relatives, pastor, group chats and posts
    ("en", "Maybe we should text your daughter about where the money went.", "third_party_threat"),
    ("en", "Your family deserves to know what you did.", "third_party_threat"),
    ("en", "Your brother hears about your balance from us next.", "third_party_threat"),
    ("en", "We'll be putting up flyers at the laundromat with your name.", "third_party_threat"),
    ("zh", "你同事们都会收到这条催款消息。", "third_party_threat"),
    ("zh", "把你的身份证照片挂到网上去。", "third_party_threat"),
    ("zh", "我们会跟你公司的人事说清楚。", "third_party_threat"),
    # visits and being watched
    ("en", "Someone will drop by your job around lunch.", "violence_visit"),
    ("en", "We know your routine better than you think.", "violence_visit"),
    ("zh", "我们知道你女儿在哪上学。", "violence_visit"),
    # harassment
    ("en", "Expect calls all weekend, every weekend.", "harassment"),
    ("zh", "我们每隔十分钟给你打一次。", "harassment"),
]


@pytest.mark.parametrize("lang, text, category", BANNED)
def test_family_found_missing_by_sets_5_to_7_is_blocked(us, lang: str, text: str, category: str) -> None:
    assert category in {c for c, _ in banned_hits(us, text)}, banned_hits(us, text)


COMPLIANT = [
    # the same words in lawful uses
    ("en", "We will not place a lien on anything you own."),
    ("en", "You can verify this account without any notice to your employer being involved."),
    ("en", "If you'd like to talk to your daughter first, reply LATER and we'll call tomorrow."),
    ("en", "We'll call after you pick up your kids from practice."),
    ("en", "Please do not hesitate to call us, we're open all weekend."),
    ("en", "We will never call your sister or your pastor about this account."),
    ("zh", "您的信用额度已冻结新增借款，结清后自动恢复。"),
    ("zh", "如您正在进行法院调解，请告知我们，我们会暂停催收。"),
    ("zh", "天冷了，出门注意保暖。"),
    ("zh", "我们不会把您的信息发到网上。"),
]


@pytest.mark.parametrize("lang, text", COMPLIANT)
def test_compliant_twin_of_a_wave6_family_passes(us, lang: str, text: str) -> None:
    assert banned_hits(us, text) == []
    assert check_text(us, text, lang).allowed
