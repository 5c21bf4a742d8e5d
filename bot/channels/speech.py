"""What a call needs beyond the words: spoken forms of numbers, and what a prompt expects.

Responses reach the voice channel already in their `channel: twilio_voice` wording (Rasa
picks those variations because the collecting output channel is named `twilio_voice`).
The values inside them (amounts, dates, times, phone numbers) are formatted once by the
actions for reading; `spoken` rewrites them for listening ("2026-12-04" becomes
"December 4, 2026", "$1,240.55" becomes "1,240 dollars and 55 cents" (in a list of plans
the shorter "3 months at 411 dollars 52", so three choices fit one prompt), a phone number is
read digit by digit). `expectation` says what the last prompt of a turn asks for, so
the channel can take the answer from the keypad (`keypad_message`) and set `numDigits` /
`finishOnKey` where a fixed length is asked. Pure functions: no I/O, no settings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Dict, Optional

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")

_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_ZH_DATE = re.compile(r"(?<!\d)(\d{4})年(\d{1,2})月(\d{1,2})日")
#: the country code a debtor of each language dials without (+1 in the US, +86 in China)
HOME_CODES = {"en": "1", "zh": "86"}
#: a date this many days ahead or less is said without its year ("December 4")
YEAR_IMPLIED_DAYS = 300
_USD = re.compile(r"\$(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{2}))?")
_CNY = re.compile(r"¥(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{2}))?")
_TIMES_EN = re.compile(r"\b(\d{1,2}) x (?=\d|\$)")
# "3 x $411.52" in a list of plans: said the short way people say prices ("411 dollars 52")
_PLAN_EN = re.compile(r"\b(\d{1,2}) x \$(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{2}))?")
_CLOCK = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b(?!\s?[AaPp]\.?[Mm])")
# +1 800 555 0199, 400-161-9995, (212) 555-0101: seven digits or more in groups
_PHONE = re.compile(r"(?<![0-9A-Za-z.,+])\+?\(?\d[\d\s\-()]{5,}\d(?![0-9A-Za-z]|[.,]\d)")


def _spoken_date(match: re.Match, lang: str, today: Optional[date]) -> str:
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return match.group(0)
    with_year = today is None or not 0 <= (day - today).days <= YEAR_IMPLIED_DAYS
    if lang == "zh":
        return (f"{day.year}年" if with_year else "") + f"{day.month}月{day.day}日"
    return f"{MONTHS_EN[day.month - 1]} {day.day}" + (f", {day.year}" if with_year else "")


def _spoken_usd(match: re.Match) -> str:
    dollars, cents = match.group(1), int(match.group(2) or 0)
    unit = "dollar" if dollars == "1" else "dollars"
    if not cents:
        return f"{dollars} {unit}"
    return f"{dollars} {unit} and {cents} {'cent' if cents == 1 else 'cents'}"


def _spoken_plan(match: re.Match) -> str:
    months, dollars, cents = match.group(1), match.group(2), int(match.group(3) or 0)
    unit = "dollar" if dollars == "1" else "dollars"
    return f"{months} months at {dollars} {unit}" + (f" {cents:02d}" if cents else "")


def _spoken_cny(match: re.Match) -> str:
    yuan, fen = match.group(1).replace(",", ""), match.group(2)
    return f"{yuan}元" if not fen or fen == "00" else f"{yuan}.{fen}元"


def _spoken_clock(match: re.Match, lang: str) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    if lang == "zh":
        return f"{hour}点" + (f"{minute}分" if minute else "")
    suffix = "AM" if hour < 12 else "PM"
    twelve = hour % 12 or 12
    return f"{twelve}{f':{minute:02d}' if minute else ''} {suffix}"


def _spoken_phone(match: re.Match, lang: str) -> str:
    raw = match.group(0)
    digits = re.sub(r"\D", "", raw)
    if len(digits) < 7:
        return raw
    groups = [g for g in re.split(r"[\s\-()]+", raw.lstrip("+(")) if g]
    if raw.startswith("+") and len(groups) > 1 and groups[0] == HOME_CODES.get(lang):
        groups = groups[1:]  # the debtor's own country code is not said
    if all(len(g) == 1 for g in groups):  # already read out digit by digit
        return raw
    sep = "，" if lang == "zh" else ", "
    return sep.join(" ".join(g) for g in groups)


def spoken(text: str, lang: str, today: Optional[date] = None) -> str:
    """`text` as it should be heard: dates, amounts, clock times and phone numbers in the
    words a person would use on the phone (the order matters: dates before phone numbers,
    so "2026-12-04" is not read as digits). With `today`, a date in the coming months is
    said without its year, as people do."""
    text = _ISO_DATE.sub(lambda m: _spoken_date(m, lang, today), text)
    if today is not None:
        text = _ZH_DATE.sub(lambda m: _spoken_date(m, "zh", today), text)
    text = _CLOCK.sub(lambda m: _spoken_clock(m, lang), text)
    if lang != "zh":
        text = _PLAN_EN.sub(_spoken_plan, text)
        text = _TIMES_EN.sub(lambda m: f"{m.group(1)} months at ", text)
    text = _PHONE.sub(lambda m: _spoken_phone(m, lang), text)
    text = _USD.sub(_spoken_usd, text)
    return _CNY.sub(_spoken_cny, text)


@dataclass(frozen=True)
class Expectation:
    """What a prompt asks for: `kind` is yes_no, identity, months, open, or end (nothing:
    the call is over)."""

    kind: str = "open"

    @property
    def gather(self) -> Dict[str, str]:
        """Gather attributes for the keypad side of the answer (speech is always on)."""
        if self.kind == "yes_no":
            return {"numDigits": "1"}
        if self.kind == "identity":  # "the last four digits of your ID, then press pound"
            return {"numDigits": "4", "finishOnKey": "#"}
        return {"finishOnKey": "#"}


OPEN = Expectation()
#: prompts that end in a yes/no question (keypad: 1 yes, 2 no)
YES_NO = frozenset({
    "utter_greet_outbound", "utter_greet_call", "utter_ask_confirm_name",
    "utter_confirm_cease_contact", "utter_confirm_dispute_debt", "utter_confirm_express_distress",
    "utter_confirm_wrong_number", "utter_confirm_attorney_represented", "utter_confirm_bankruptcy",
    "utter_confirm_debtor_deceased", "utter_confirm_opt_out", "utter_offer_settlement", "utter_explain_discount",
    "utter_plan_accept_proposal", "utter_plan_counter", "utter_promise_counter",
    "utter_offer_hardship", "utter_offer_hardship_one", "utter_offer_pause_away", "utter_plan_cadence",
    "utter_plan_parts", "utter_calm",
    # "I can text you a payment link. Is that OK?"
    "utter_balance", "utter_payment_methods", "utter_promise_accepted",
    "utter_arrangement_confirmed",
})
IDENTITY = frozenset({"utter_ask_identity_value", "utter_identity_mismatch",
                      "utter_identity_unreadable"})
MONTHS = frozenset({"utter_offer_plans", "utter_ask_installment"})
#: answers after which the call is over: said, then the call hangs up (no Gather)
ENDS = frozenset({
    "utter_goodbye", "utter_cease_contact", "utter_wrong_number", "utter_name_denied",
    "utter_verification_failed", "utter_verification_refused", "utter_greet_outbound_unknown",
    "utter_cannot_identify", "utter_deceased", "utter_attorney", "utter_bankruptcy",
    "utter_dispute", "utter_opted_out",
})
KINDS = ("yes_no", "identity", "months", "open", "end")


def expectation(utter_action: Optional[str]) -> Expectation:
    """What the response `utter_action` (the last one of a turn) asks the debtor for."""
    if utter_action in YES_NO:
        return Expectation("yes_no")
    if utter_action in IDENTITY:
        return Expectation("identity")
    if utter_action in MONTHS:
        return Expectation("months")
    if utter_action in ENDS:
        return Expectation("end")
    return OPEN


def expectation_named(kind: Optional[str]) -> Expectation:
    """The expectation carried in a Gather action URL (an unknown one is open)."""
    return Expectation(kind) if kind in KINDS else OPEN


def keypad_message(digits: str, expected: Expectation) -> str:
    """The message for keys pressed at a prompt: an intent the prompt's menu names
    (Rasa's `/intent{entities}` form, which skips the NLU), else the digits as typed."""
    digits = digits.strip().rstrip("#")
    if expected.kind == "yes_no" and digits in ("1", "2"):
        return "/affirm" if digits == "1" else "/deny"
    if expected.kind == "identity" and re.fullmatch(r"\d{4}", digits):
        return "/provide_identity" + json.dumps({"id_last4": digits})
    if expected.kind == "months" and re.fullmatch(r"\d{1,2}", digits) and int(digits) > 0:
        return "/propose_installment" + json.dumps({"months": str(int(digits))})
    return digits
