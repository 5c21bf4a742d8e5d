"""Short, SMS-friendly renderings of amounts and offers in English and Chinese."""

from __future__ import annotations

from decimal import Decimal

from bot.negotiation.money import CENT
from bot.negotiation.offers import Offer

_EN_SYMBOL = {"USD": "$", "CNY": "¥"}
_ZH_SUFFIX = {"CNY": "元", "USD": "美元"}


def format_money(amount: Decimal, currency: str, lang: str = "en") -> str:
    """'$1,250.00' / '¥1,250.00' in English, '1,250.00元' / '1,250.00美元' in Chinese.

    Other currencies are written '1,250.00 EUR'.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    value = Decimal(amount).quantize(CENT)
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,.2f}"
    code = currency.upper()
    if lang == "zh" and code in _ZH_SUFFIX:
        return f"{sign}{digits}{_ZH_SUFFIX[code]}"
    if lang == "en" and code in _EN_SYMBOL:
        return f"{sign}{_EN_SYMBOL[code]}{digits}"
    return f"{sign}{digits} {code}"


def format_schedule(offer: Offer, lang: str = "en") -> str:
    """One short line describing `offer`, e.g. '6 monthly payments of $200.00 starting 2026-12-15'."""
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")

    def money(amount: Decimal) -> str:
        return format_money(amount, offer.currency, lang)

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
            tail = f"（末期{money(last)}）" if last != first_amount else ""
            return f"分{n}期，每期{money(first_amount)}{tail}，{start}起每月还款"
        tail = f" (last {money(last)})" if last != first_amount else ""
        noun = "payment" if n == 1 else "payments"
        return f"{n} monthly {noun} of {money(first_amount)}{tail} starting {start}"

    due = first_due.isoformat()
    if offer.kind == "settlement":
        if lang == "zh":
            waived = f"（减免{money(offer.waived_total)}）" if offer.waived_total > 0 else ""
            return f"{due}前一次性还款{money(offer.total)}{waived}"
        waived = f" ({money(offer.waived_total)} waived)" if offer.waived_total > 0 else ""
        return f"one payment of {money(offer.total)} by {due}{waived}"

    # promise
    if lang == "zh":
        return f"{due}还款{money(offer.total)}"
    return f"{money(offer.total)} on {due}"


def _pause_days(offer: Offer) -> int | None:
    """A pause's key is 'pause_<days>'; the line says how long when the key tells."""
    key = offer.description_key
    return int(key[6:]) if key.startswith("pause_") and key[6:].isdigit() else None
