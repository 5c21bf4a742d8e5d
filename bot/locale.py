"""One place for how collectbot writes money, dates and plans, and what a phone number implies.

Why one module: the same wording used to be copied into actions, the negotiation engine
and the channels, and copies drift (a Chinese date written two ways in one conversation,
a `+86` test in four places). Everything here is pure (no I/O, no clock), so it is safe
to import from actions, the engine and the outbox alike.

Two money styles exist on purpose and both live here:
- `money`: what response templates show, the currency symbol in either language
  (`$80.00`, `¥80.00`; unknown currencies `EUR 80.00`), rounded half up;
- `format_money`: the language's own wording used in schedule lines and engine reasons
  (`$1,250.00` in English, `1,250.00元` / `1,250.00美元` in Chinese; others `1,250.00 EUR`).

Phone defaults (for a number with no account on file) come from libphonenumber: a
Chinese number (+86) gets the `cn` pack and Chinese, anything else the `us` pack and
English. A debtor's own zones come from libphonenumber's time-zone data at import
(bot.store.portfolio) and in the gate (compliance_filters.zones, a pure library that
imports nothing from bot); when an account has none, `default_zone` gives the usual one.
"""

from __future__ import annotations

from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Iterable, Optional
from zoneinfo import ZoneInfo

import phonenumbers

LANGUAGES = ("en", "zh")
SYMBOLS = {"USD": "$", "CNY": "¥"}
ZH_SUFFIX = {"CNY": "元", "USD": "美元"}
LANGUAGE_ZONE = {"en": "America/New_York", "zh": "Asia/Shanghai"}
PACK_ZONE = {"us": "America/New_York", "cn": "Asia/Shanghai"}
PACK_REGION = {"us": "US", "cn": "CN"}
_CENT = Decimal("0.01")
_CN_COUNTRY_CODE = 86


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")


# ------------------------------------------------------------------ money


def money(amount: Decimal | str | float | int, currency: Optional[str]) -> str:
    """`$80.00` / `¥80.00` (either language); unknown currencies as `EUR 80.00`; no currency is USD."""
    value = Decimal(str(amount)).quantize(_CENT, rounding=ROUND_HALF_UP)
    code = (currency or "USD").upper()
    symbol = SYMBOLS.get(code)
    return f"{symbol}{value:,}" if symbol else f"{code} {value:,}"


def format_money(amount: Decimal, currency: str, lang: str = "en") -> str:
    """'$1,250.00' / '¥1,250.00' in English, '1,250.00元' / '1,250.00美元' in Chinese.

    Other currencies are written '1,250.00 EUR'.
    """
    _check_lang(lang)
    value = Decimal(amount).quantize(_CENT)
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,.2f}"
    code = currency.upper()
    if lang == "zh" and code in ZH_SUFFIX:
        return f"{sign}{digits}{ZH_SUFFIX[code]}"
    if lang == "en" and code in SYMBOLS:
        return f"{sign}{SYMBOLS[code]}{digits}"
    return f"{sign}{digits} {code}"


# ------------------------------------------------------------------ dates and times


def show_date(value: date | str | None, lang: str) -> str:
    """ISO for English (unambiguous over SMS), `2026年12月4日` for Chinese; '' for no date."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def show_time(value: time) -> str:
    """A clock time as both languages write it in a text: 24-hour `18:00`."""
    return value.strftime("%H:%M")


def window(start: time, end: time, lang: str) -> str:
    """The span as the debtor would say it: "before 12:00", "after 18:00", "between ..."."""
    a, b = show_time(start), show_time(end)
    if start == time(0) and end != time(0):
        return f"{b}之前" if lang == "zh" else f"before {b}"
    if end == time(0) and start != time(0):
        return f"{a}之后" if lang == "zh" else f"after {a}"
    return f"{a}至{b}之间" if lang == "zh" else f"between {a} and {b}"


# ------------------------------------------------------------------ plans (what actions say)


def installment_amount(offer: Any, lang: str) -> str:
    """The installment amount; when cents do not divide evenly the last one differs, and
    a debtor (and an auditor reading the transcript) must see the amount actually due."""
    first, last = offer.installments[0][1], offer.installments[-1][1]
    amount = money(first, offer.currency)
    if last == first:
        return amount
    last_text = money(last, offer.currency)
    return f"{amount}（末期{last_text}）" if lang == "zh" else f"{amount} (last {last_text})"


def plan_option(offer: Any, lang: str) -> str:
    """A plan in a list of choices: `3 x $200.00` / `3期，每期$200.00`."""
    monthly = installment_amount(offer, lang)
    return f"{offer.months}期，每期{monthly}" if lang == "zh" else f"{offer.months} x {monthly}"


def option(offer: Any, lang: str) -> str:
    """One hardship or plan option in a list."""
    if offer.kind == "pause":
        until = show_date(offer.resume_on, lang)
        return f"暂停还款至{until}" if lang == "zh" else f"a pause until {until}"
    return plan_option(offer, lang)


def join(items: Iterable[str], lang: str) -> str:
    """Options one after another, with the language's list separator."""
    return ("；" if lang == "zh" else "; ").join(items)


def summary(offer: Any, lang: str) -> str:
    """What the debtor agreed to, in one line."""
    total = money(offer.total, offer.currency)
    first = show_date(offer.first_due, lang)
    if offer.months <= 1:
        return f"{first}还款{total}" if lang == "zh" else f"{total} on {first}"
    monthly = installment_amount(offer, lang)
    if lang == "zh":
        return f"自{first}起分{offer.months}期，每期{monthly}，共{total}"
    return f"{offer.months} payments of {monthly} from {first}, {total} in total"


# ------------------------------------------------------------------ plans (engine schedule lines)


def format_schedule(offer: Any, lang: str = "en") -> str:
    """One short line describing `offer`, e.g. '6 monthly payments of $200.00 starting 2026-12-15'."""
    _check_lang(lang)

    def amount(value: Decimal) -> str:
        return format_money(value, offer.currency, lang)

    if offer.kind == "pause":
        days = _pause_days(offer)
        resume = offer.resume_on.isoformat()
        if lang == "zh":
            return f"暂停还款{days}天，{resume}恢复" if days else f"暂停还款至{resume}"
        return f"payments paused for {days} days, resuming {resume}" if days else f"payments paused until {resume}"

    first_due, first_amount = offer.installments[0]
    if offer.kind == "plan":
        last = offer.installments[-1][1]
        n = offer.months
        start = first_due.isoformat()
        if lang == "zh":
            tail = f"（末期{amount(last)}）" if last != first_amount else ""
            return f"分{n}期，每期{amount(first_amount)}{tail}，{start}起每月还款"
        tail = f" (last {amount(last)})" if last != first_amount else ""
        noun = "payment" if n == 1 else "payments"
        return f"{n} monthly {noun} of {amount(first_amount)}{tail} starting {start}"

    due = first_due.isoformat()
    if offer.kind == "settlement":
        if lang == "zh":
            waived = f"（减免{amount(offer.waived_total)}）" if offer.waived_total > 0 else ""
            return f"{due}前一次性还款{amount(offer.total)}{waived}"
        waived = f" ({amount(offer.waived_total)} waived)" if offer.waived_total > 0 else ""
        return f"one payment of {amount(offer.total)} by {due}{waived}"

    # promise
    if lang == "zh":
        return f"{due}还款{amount(offer.total)}"
    return f"{amount(offer.total)} on {due}"


def _pause_days(offer: Any) -> int | None:
    """A pause's key is 'pause_<days>'; the line says how long when the key tells."""
    key = offer.description_key
    return int(key[6:]) if key.startswith("pause_") and key[6:].isdigit() else None


# ------------------------------------------------------------------ phone -> defaults


@lru_cache(maxsize=4096)
def _country_code(phone: str) -> Optional[int]:
    """The number's country calling code, None when libphonenumber cannot read it."""
    try:
        return phonenumbers.parse(phone, None).country_code
    except phonenumbers.NumberParseException:
        return None


def _is_chinese(phone: str) -> bool:
    code = _country_code(str(phone))
    # A +86 id libphonenumber cannot read (a truncated test number) is still Chinese.
    return code == _CN_COUNTRY_CODE if code is not None else str(phone).startswith("+86")


def pack_for_phone(phone: str) -> str:
    """Rule pack for a number with no account on file: `cn` for +86, else `us`."""
    return "cn" if _is_chinese(phone) else "us"


def language_for_phone(phone: str) -> str:
    """Best guess at the language of a number with no account on file."""
    return "zh" if _is_chinese(phone) else "en"


def default_zone(lang: Optional[str] = None, pack: Optional[str] = None) -> str:
    """The usual zone of a pack (first) or a language; UTC when neither is known."""
    if pack in PACK_ZONE:
        return PACK_ZONE[pack]
    return LANGUAGE_ZONE.get(lang or "", "UTC")


def zone_or_default(timezone_name: Optional[str], lang: str) -> ZoneInfo:
    """The debtor's zone; a missing or unknown name falls back to the language's usual one."""
    if timezone_name:
        try:
            return ZoneInfo(timezone_name)
        except (KeyError, ValueError):
            # zoneinfo raises ZoneInfoNotFoundError (a KeyError) for unknown names.
            pass
    return ZoneInfo(default_zone(lang))
