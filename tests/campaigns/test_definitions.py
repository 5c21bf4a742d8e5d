"""Campaign definitions: the shipped files load, every template passes the gate in both
languages, and a bad file is one clear error naming the file and the field."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.campaigns.definitions import (
    LANGUAGES,
    CampaignError,
    load_campaigns,
    load_file,
    render,
)
from compliance_filters import OutgoingMessage, Recipient, add_required_content, gate, load_pack

PHONES = {"us": "+12025550143", "cn": "+8613912345678"}
NOON = {"us": datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc),   # 12:00 in Washington DC
        "cn": datetime(2026, 11, 30, 4, 0, tzinfo=timezone.utc)}    # 12:00 in Shanghai


def test_shipped_campaigns_load_with_every_kind_of_step() -> None:
    campaigns = load_campaigns()
    assert {c.name for c in campaigns} == {"low-reminders", "medium-negotiation"}
    kinds = {st.kind for c in campaigns for st in c.steps}
    assert kinds == {"due", "past_due_every", "installment", "broken_promise"}
    assert {st.channel for c in campaigns for st in c.steps} == {"sms", "voice"}
    assert all("high" not in c.tiers for c in campaigns)


def test_every_template_passes_the_gate_in_both_languages() -> None:
    screened = 0
    for campaign in load_campaigns():
        for step in campaign.steps:
            if not step.templates:
                continue
            for pack_name in campaign.packs:
                pack = load_pack(pack_name)
                for language in LANGUAGES:
                    text = render(step, language, {"name": "Jordan Lee" if language == "en" else "王芳",
                                                   "company": "Northwind Recovery",
                                                   "callback": "+1 800 555 0199"})
                    recipient = Recipient(account_id="A1", debt_id="1", phones=(PHONES[pack_name],),
                                          language=language, verified=False)
                    message = OutgoingMessage(text=text, channel="sms", kind="outbound")
                    message = OutgoingMessage(text=add_required_content(pack, message, recipient),
                                              channel="sms", kind="outbound")
                    decision = gate(pack, message, recipient, [], NOON[pack_name])
                    assert decision.allowed, (campaign.name, step.id, pack_name, language,
                                              decision.reasons)
                    screened += 1
    assert screened >= 16


GOOD = """name: t
tiers: [low]
packs: [us]
steps:
  - id: s1
    when: {due: 0}
    channel: sms
    templates: {en: "Hi {name}", zh: "{name}您好"}
"""


@pytest.mark.parametrize("change, message", [
    (("when: {due: 0}", "when: {due: 0, installment: 1}"), "steps[0] (s1).when: needs exactly one of"),
    (("channel: sms", "channel: fax"), "steps[0] (s1).channel: must be one of sms, voice, not 'fax'"),
    (("{name}您好", "{balance}您好"), "steps[0] (s1).templates.zh: unknown placeholder {balance}"),
    (('zh: "{name}您好"', 'fr: "Bonjour"'), "steps[0] (s1).templates: needs exactly one template per language"),
    (("tiers: [low]", "tiers: [low, high]"), "tiers: high-risk accounts get no automated contact"),
    (("packs: [us]", "packs: [uk]"), "packs: 'uk' is not one of us, cn"),
    (("when: {due: 0}", "when: {due: zero}"), "steps[0] (s1).when.due: must be a whole number"),
    (("steps:", "stepz:"), "unknown field 'stepz'"),
    (("tiers: [low]", "tiers: [low"), "line "),
])
def test_bad_file_is_one_clear_error(tmp_path: Path, change, message) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_file(path)
    text = str(info.value)
    assert "bad.yml" in text and message in text and "\n" not in text


def test_good_file_and_repeated_ids(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_file(path).steps[0].key == "t/s1"
    path.write_text(GOOD + GOOD[GOOD.index("  - id"):], encoding="utf-8")
    with pytest.raises(CampaignError, match="id 's1' is used twice"):
        load_file(path)
