"""Issue 15: every response the voice channel can speak has a spoken form in en and zh,
and Rasa picks it on a call: no URL, no "reply"/回复, no example formats; amounts and
dates as they are said. The SMS wording is untouched on the SMS channel."""

from __future__ import annotations

import re

import pytest

from bot.channels.speech import spoken
from bot.dialogue.responses import SAMPLE_VARIABLES
from bot.dialogue.responses import SAMPLE_VARIABLES_ZH as SAMPLE_ZH

#: what must never be spoken: a link, SMS instructions, written example formats
UNSPEAKABLE = re.compile(
    r"https?://|www\.|\b[\w-]+\.(?:com|gov|org|net|cn)\b|\breply\b|回复|\be\.g\.|例如"
    r"|\d{4}-\d{2}-\d{2}", re.IGNORECASE)


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load("bot/domain")


def _picked(domain, name: str, channel: str, lang: str, pack: str = "us") -> list:
    from rasa.core.nlg.generator import ResponseVariationFilter

    return ResponseVariationFilter(domain.responses).responses_for_utter_action(
        name, channel, {"language": lang, "pack": pack})


LANG_PACKS = [("en", "us"), ("en", "cn"), ("zh", "us"), ("zh", "cn")]


def _filled(variant: dict, lang: str) -> str:
    return variant["text"].format(**(SAMPLE_ZH if lang == "zh" else SAMPLE_VARIABLES))


@pytest.mark.parametrize("lang, pack", LANG_PACKS)
def test_on_a_call_every_response_has_a_spoken_form_in_the_debtors_language(domain, lang, pack):
    wrong = {}
    for name in domain.responses:
        picked = _picked(domain, name, "twilio_voice", lang, pack)
        if not picked or any(v.get("channel") != "twilio_voice" for v in picked):
            wrong[name] = "no twilio_voice variation"
            continue
        texts = [_filled(v, lang) for v in picked]
        has_han = [bool(re.search(r"[\u4e00-\u9fff]", t.replace("王芳", "").replace("华夏银行", "")))
                   for t in texts]
        if has_han != [lang == "zh"] * len(texts):
            wrong[name] = f"not in {lang}: {texts}"
    assert wrong == {}


@pytest.mark.parametrize("lang, pack", LANG_PACKS)
def test_nothing_spoken_on_a_call_has_a_url_reply_or_an_example_format(domain, lang, pack):
    from bot.channels.texts import _TEXTS, text

    found = {}
    for name in domain.responses:
        for variant in _picked(domain, name, "twilio_voice", lang, pack):
            said = spoken(_filled(variant, lang), lang)
            if UNSPEAKABLE.search(said) or "$" in said or "¥" in said:
                found[name] = said
    # the channel's own spoken lines too (SMS-only texts are not said on a call)
    for key in ("voice_fallback", "voicemail", "voice_reprompt", "voice_goodbye",
                "voice_no_input_close", "voice_unsure", "recording_notice"):
        assert key in _TEXTS
        said = spoken(text(key, lang, name="Ada"), lang)
        if UNSPEAKABLE.search(said):
            found[key] = said
    assert found == {}


@pytest.mark.parametrize("greeting", ["utter_greet_outbound", "utter_greet_call"])
def test_a_cn_call_names_the_institution_once_at_its_opening(domain, greeting):
    """The cn opening notice names the institution and the 工号; the greeting after it
    does not name it again, but a zh call under the us pack (no such notice) still does."""
    from bot.channels.texts import text

    notice = text("recording_notice", "zh")
    company = SAMPLE_ZH["company"]
    assert company in notice
    (cn,) = _picked(domain, greeting, "twilio_voice", "zh", "cn")
    (us,) = _picked(domain, greeting, "twilio_voice", "zh", "us")
    assert company not in _filled(cn, "zh") and company in _filled(us, "zh")
    assert (notice + _filled(cn, "zh")).count(company) == 1


def test_the_sms_channel_keeps_its_written_wording(domain):
    for lang in ("en", "zh"):
        picked = _picked(domain, "utter_balance", "twilio", lang)
        assert picked and all(v.get("channel") is None for v in picked)
        assert "{link}" in picked[0]["text"]


def test_a_link_is_offered_by_text_on_a_call(domain):
    for name in ("utter_balance", "utter_payment_methods", "utter_promise_accepted",
                 "utter_arrangement_confirmed"):
        en = _picked(domain, name, "twilio_voice", "en")[0]["text"]
        zh = _picked(domain, name, "twilio_voice", "zh")[0]["text"]
        assert en.endswith("I can text you a payment link. Is that OK?") and "{link}" not in en
        assert zh.endswith("需要我用短信把还款链接发给您吗？") and "{link}" not in zh


@pytest.mark.parametrize("text, lang, heard", [
    ("$1,240.55", "en", "1,240 dollars and 55 cents"),
    ("$80.00", "en", "80 dollars"),
    ("$1.01", "en", "1 dollar and 1 cent"),
    ("due 2026-12-04", "en", "due December 4, 2026"),
    ("6 x $205.76", "en", "6 months at 205 dollars 76"),
    ("3 x $411.52; 12 x $1.05; 2 x $80.00", "en",
     "3 months at 411 dollars 52; 12 months at 1 dollar 05; 2 months at 80 dollars"),
    ("between 09:00 and 18:30", "en", "between 9 AM and 6:30 PM"),
    ("call +1 800 555 0199.", "en", "call 8 0 0, 5 5 5, 0 1 9 9."),
    ("call +86 400 800 0199", "zh", "call 4 0 0，8 0 0，0 1 9 9"),
    ("call +86 400 800 0199", "en", "call 8 6, 4 0 0, 8 0 0, 0 1 9 9"),
    ("¥1,240.55", "zh", "1240.55元"),
    ("¥3,000.00", "zh", "3000元"),
    ("到期日2026-12-04", "zh", "到期日2026年12月4日"),
    ("热线400-161-9995", "zh", "热线4 0 0，1 6 1，9 9 9 5"),
])
def test_numbers_and_dates_are_spoken_as_a_person_says_them(text, lang, heard):
    assert spoken(text, lang) == heard
    assert spoken(heard, lang) == heard  # saying it again changes nothing


@pytest.mark.parametrize("text, lang, heard", [
    ("due 2026-12-04", "en", "due December 4"),
    ("due 2028-12-04", "en", "due December 4, 2028"),
    ("到期日2026年12月4日", "zh", "到期日12月4日"),
    ("到期日2026-12-04", "zh", "到期日12月4日"),
])
def test_a_date_in_the_coming_months_is_said_without_its_year(text, lang, heard):
    from datetime import date

    assert spoken(text, lang, date(2026, 11, 30)) == heard
