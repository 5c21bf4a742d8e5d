"""Issue 13 (wave 6): where a negation, a scam warning or reported speech reaches.

Held-out set 7's first run showed the rules firing inside lawful texts: a negation at the
head of a list of promises ("we will never X, Y, or Z"), warnings about impostors ("someone
claiming to be from the police ..."), third parties' statements, the debtor's rights ("file
a report with your local police") and the Chinese equivalents (我们不会…、任何…都不会…、
谨防…冒充…). The texts below were written for these tests (other wordings of each family,
none copied from a held-out set); each compliant one was blocked before the change, and
each disguised threat beside it (negation words that do not negate the threat) must stay
blocked.
"""

from __future__ import annotations

import pytest

from compliance_filters import check_text
from compliance_filters.phrases import banned_hits

LAWFUL = [
    # a negation at the head of a list of verb phrases covers every one of them
    ("en", "We will never call you names, shout at you, or tell your coworkers about this balance."),
    ("en", "Our staff will never raise their voice with you, use bad language, or show up at your door."),
    # impostors and scam warnings: what a scammer says is reported, not threatened
    ("en", "Anyone posing as a sheriff's deputy and asking for gift cards is not from us."),
    ("en", "Fraudsters sometimes threaten prison to rush people into paying."),
    ("en", "If a caller pretends to be from the IRS about this account, hang up."),
    ("en", "Police officers and judges never ask for payment by text."),
    ("en", "Police departments do not collect consumer debts, so a text like that is not real."),
    ("en", "If a scammer calls you about this account, write down the number and hang up."),
    ("en", "A message that threatens arrest over this account is a scam; please forward it to us."),
    # reported speech: the debtor's own question or words
    ("en", "You asked whether you could be arrested over this balance: you cannot."),
    ("en", "You told us another collector threatened you with jail, and we are sorry."),
    # a third party's action the debtor tells us about
    ("en", "If a different creditor has garnished your pay, tell us so we can lower the plan."),
    # the debtor's rights
    ("en", "You may report any threatening call to your local police department."),
    ("en", "Victims of identity theft can file a report with the police and send us a copy."),
    ("en", "You may report an abusive caller to the FTC or your state attorney general."),
    ("en", "Never pay anyone who texts claiming to be from the sheriff's office."),
    # Chinese: list promises, "任何…都不会", impostor warnings, rights
    ("zh", "任何警察或法官都不会打电话让您还这笔钱。"),
    ("zh", "请提防骗子冒充警察要求您转账。"),
    ("zh", "谨防有人以逮捕相威胁骗取钱财。"),
    ("zh", "凡是以坐牢相威胁的催收短信都是诈骗。"),
    ("zh", "如您已把欠款情况告诉父母并希望他们协助还款，请先提交授权。"),
    ("zh", "您可以向银保监会或消费者协会投诉。"),
    ("zh", "如果有人以公安局名义要求您还款，请先核实。"),
    ("zh", "您可以拨打银保监热线投诉。"),
    ("zh", "考虑到您家里的情况，我们可以延期一个月。"),
    ("zh", "账单可以邮寄到您家，也可以发到您的邮箱。"),
]


@pytest.mark.parametrize("lang, text", LAWFUL)
def test_a_lawful_negation_or_warning_passes_the_rules(us, lang: str, text: str) -> None:
    # the rules alone: the learned second opinion is another engineer's (learned.py)
    assert banned_hits(us, text) == []


DISGUISED = [
    # newly blocked: a negation that is the threat ("you wouldn't want ..., would you?"),
    # and texts that were blocked before and must stay so under the wider scopes above
    # negation words that do not negate the threat
    ("en", "We will not hesitate to have you arrested at your home."),
    ("en", "Unless you pay, you will be arrested."),
    ("en", "Don't make us call the police."),
    ("en", "We won't wait any longer, and deputies will come to your house."),
    ("en", "We never bluff or give second chances, and you will go to jail."),
    ("en", "We don't negotiate, so the sheriff is next."),
    ("en", "Nobody can stop the police from arresting you now."),
    # a scam marker that is an insult or a denial, not a warning
    ("en", "Scammers like you end up in prison."),
    ("en", "This is not a scam: you will be arrested on Monday."),
    ("en", "You asked for more time, but you will be arrested if you do not pay."),
    ("en", "You wouldn't want to end up in jail, would you?"),
    ("en", "You don't want the police at your door, do you?"),
    ("en", "Wouldn't want the sheriff talking to your kids, would we?"),
    ("en", "Don't ignore this and risk jail."),
    # Chinese
    ("zh", "不还钱就等着坐牢。"),
    ("zh", "别逼我们报警抓你。"),
    ("zh", "你不想坐牢吧？"),
    ("zh", "你也不想让家人知道这件事吧？"),
    ("zh", "我们不会再等了，马上起诉你。"),
    ("zh", "这不是诈骗，警察明天就上门抓你。"),
    ("zh", "任何人都救不了你，你就等着坐牢。"),
]


@pytest.mark.parametrize("lang, text", DISGUISED)
def test_a_disguised_threat_with_negation_words_stays_blocked(us, lang: str, text: str) -> None:
    assert banned_hits(us, text), text
    assert not check_text(us, text, lang).allowed
