"""bot.locale: the one place for money, date and plan wording and phone defaults."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import locale

amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("10000000"), places=2,
                      allow_nan=False, allow_infinity=False)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(amounts, st.sampled_from(["USD", "CNY", "usd", "cny"]))
def test_money_reads_back_to_the_amount_with_the_currency_symbol(amount: Decimal, currency: str) -> None:
    text = locale.money(amount, currency)
    symbol = locale.SYMBOLS[currency.upper()]
    assert text.startswith(symbol)
    assert Decimal(text[len(symbol):].replace(",", "")) == amount
    assert re.fullmatch(r".\d{1,3}(,\d{3})*\.\d\d", text)


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("1000"), places=3))
def test_money_rounds_half_up_to_the_cent(amount: Decimal) -> None:
    expected = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(locale.money(amount, "USD")[1:].replace(",", "")) == expected


def test_money_other_and_missing_currencies() -> None:
    assert locale.money("1250", "eur") == "EUR 1,250.00"
    assert locale.money(Decimal("80"), None) == "$80.00"
    assert locale.money(Decimal("80"), "CNY") == "¥80.00"


@given(amounts, st.sampled_from(["USD", "CNY"]))
def test_format_money_chinese_suffix_and_english_symbol_carry_the_same_digits(
    amount: Decimal, currency: str
) -> None:
    zh = locale.format_money(amount, currency, "zh")
    en = locale.format_money(amount, currency, "en")
    assert zh.endswith(locale.ZH_SUFFIX[currency])
    assert zh[: -len(locale.ZH_SUFFIX[currency])] == en[1:]
    # the symbol form (templates) and the English schedule form agree for these currencies
    assert en == locale.money(amount, currency)


def test_format_money_negative_unknown_and_bad_language() -> None:
    assert locale.format_money(Decimal("-5"), "USD", "en") == "-$5.00"
    assert locale.format_money(Decimal("-5"), "CNY", "zh") == "-5.00元"
    assert locale.format_money(Decimal("1250"), "EUR", "zh") == "1,250.00 EUR"
    with pytest.raises(ValueError, match="lang must be"):
        locale.format_money(Decimal("1"), "USD", "fr")


@given(dates)
def test_show_date_chinese_reads_back_and_english_is_iso(value: date) -> None:
    zh = locale.show_date(value, "zh")
    y, m, d = map(int, re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", zh).groups())
    assert date(y, m, d) == value
    assert locale.show_date(value, "en") == value.isoformat()
    assert locale.show_date(value.isoformat() + "T10:00:00", "zh") == zh
    assert locale.show_date(None, "en") == ""


@pytest.mark.parametrize("start,end,lang,expected", [
    (time(0), time(12), "en", "before 12:00"),
    (time(18), time(0), "zh", "18:00之后"),
    (time(9, 30), time(17), "en", "between 09:30 and 17:00"),
    (time(9, 30), time(17), "zh", "09:30至17:00之间"),
])
def test_window(start: time, end: time, lang: str, expected: str) -> None:
    assert locale.window(start, end, lang) == expected


def _plan(months: int, amounts_due: list[str], currency: str = "USD") -> SimpleNamespace:
    due = [date(2026, 12 + i, 5) if 12 + i <= 12 else date(2027, i, 5) for i in range(months)]
    installments = [(d, Decimal(a)) for d, a in zip(due, amounts_due)]
    total = sum((a for _, a in installments), Decimal(0))
    return SimpleNamespace(kind="plan", currency=currency, months=months, installments=installments,
                           total=total, first_due=due[0], description_key="plan", waived_total=Decimal(0))


def test_plan_wording_in_both_languages() -> None:
    plan = _plan(3, ["641.66", "641.66", "641.68"], "CNY")
    assert locale.summary(plan, "zh") == "自2026年12月5日起分3期，每期¥641.66（末期¥641.68），共¥1,925.00"
    assert locale.summary(plan, "en") == "3 payments of ¥641.66 (last ¥641.68) from 2026-12-05, ¥1,925.00 in total"
    assert locale.plan_option(plan, "en") == "3 x ¥641.66 (last ¥641.68)"
    assert locale.format_schedule(plan, "zh") == "分3期，每期641.66元（末期641.68元），2026-12-05起每月还款"
    assert locale.join(["a", "b"], "zh") == "a；b"


def test_promise_wording() -> None:
    promise = _plan(1, ["800"], "CNY")
    promise.kind = "promise"
    assert locale.summary(promise, "zh") == "2026年12月5日还款¥800.00"
    assert locale.format_schedule(promise, "en") == "¥800.00 on 2026-12-05"


@given(st.text(alphabet="0123456789", min_size=0, max_size=13))
def test_phone_defaults_follow_the_country_code(digits: str) -> None:
    # libphonenumber reads the country code; a number it cannot read still counts as +86
    # when it says so (truncated test ids), exactly like the prefix rule it replaced.
    assert locale.pack_for_phone("+86" + digits) == "cn"
    assert locale.language_for_phone("+86" + digits) == "zh"
    assert locale.pack_for_phone("+1" + digits) == "us"
    assert locale.language_for_phone("+44" + digits) == "en"


@pytest.mark.parametrize("phone,pack,lang", [
    ("+8613800138000", "cn", "zh"), ("+12085550100", "us", "en"), ("+85291234567", "us", "en"),
    ("default", "us", "en"), ("", "us", "en"),
])
def test_phone_defaults_examples(phone: str, pack: str, lang: str) -> None:
    assert locale.pack_for_phone(phone) == pack
    assert locale.language_for_phone(phone) == lang


def test_zones() -> None:
    assert locale.default_zone("zh") == "Asia/Shanghai"
    assert locale.default_zone(pack="us") == "America/New_York"
    assert locale.default_zone() == "UTC"
    assert str(locale.zone_or_default("Europe/Paris", "zh")) == "Europe/Paris"
    assert str(locale.zone_or_default("Not/AZone", "zh")) == "Asia/Shanghai"
    assert str(locale.zone_or_default(None, "en")) == "America/New_York"
