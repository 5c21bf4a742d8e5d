"""Rule-based entity extraction with normalised values (the part DIET is bad at).

`extract(text, at, zone)` returns every amount, currency, date, months, dob, id_last4 and
zip it finds, each with character offsets into `text` and a normalised `value`:
amount "80.00", currency "USD"|"CNY", date/dob ISO "2026-12-04", months "6",
id_last4 "1234", zip "94110". Identity fields are matched first, then dates, installment
counts and money, and a later family never claims characters an earlier one took, so
"1980年1月2日" is a dob and not three numbers.

Candidate spans may also come from a spaCy EntityRuler (`proposals`); they are normalised
with the same parsers and kept when no regex family claimed those characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

import dateparser

from bot.locale import zone_or_default
from bot.nlu.dates import EN_DATE_RE, ZH_DATE_RE, resolve_en, resolve_zh
from bot.nlu.language import detect_language
from bot.nlu.numbers import (
    CN_DIGITS,
    EN_NUMBER_WORDS,
    NumberError,
    currency_of,
    money_string,
    parse_number,
)

ENTITY_TYPES = ("amount", "currency", "date", "months", "dob", "id_last4", "zip")


@dataclass(frozen=True)
class Found:
    """One extracted entity: its type, span in the text, and normalised value."""

    entity: str
    start: int
    end: int
    text: str
    value: str

    def as_rasa(self, extractor: str) -> dict:
        return {
            "entity": self.entity,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "confidence_entity": 1.0,
            "extractor": extractor,
        }


def zone_for(text: str, timezone_name: str | None) -> ZoneInfo:
    """The debtor's zone: the given name, else Asia/Shanghai for Chinese text, else New York."""
    return zone_or_default(timezone_name, detect_language(text))


def local_today(at: datetime, zone: ZoneInfo) -> date:
    """The calendar day of `at` in `zone` (naive `at` is taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo("UTC"))
    return at.astimezone(zone).date()


# ---------------------------------------------------------------- identity
_NUMERIC_DATE = r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
_ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_ZH_FULL_DATE = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]?"
_EN_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_EN_FULL_DATE = (
    rf"{_EN_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_EN_MONTH},?\s+\d{{4}}"
)
FULL_DATE_RE = re.compile(
    rf"(?<!\d)(?:{_ZH_FULL_DATE}|{_ISO_DATE}|{_NUMERIC_DATE}|{_EN_FULL_DATE})(?!\d)", re.IGNORECASE
)
DOB_KEYWORD_RE = re.compile(
    r"\b(?:dob|d\.o\.b\.?|date of birth|birth ?date|born(?: on)?|birthday|bday)\b|生日|出生",
    re.IGNORECASE,
)
ID_LAST4_RE = re.compile(
    r"(?:last\s*(?:4|four)|ssn|social|尾号|尾数|后四位|后4位|末四位|末4位|身份证)"
    r"[^\d]{0,20}?(?<!\d)(?P<v>\d{4})(?!\d)",
    re.IGNORECASE,
)
ZIP_RE = re.compile(
    r"(?:zip(?:\s*code)?|postal\s*code|post\s*code|邮编|邮政编码)[^\d]{0,10}?(?<!\d)(?P<v>\d{5})(?!\d)",
    re.IGNORECASE,
)
BARE_ZIP_RE = re.compile(r"(?<![\d$¥.,])\b(?P<v>\d{5})\b(?![\d.,]|\s*(?:dollars?|bucks|usd|块|元|k\b))")


def parse_full_date(text: str, language: str) -> date | None:
    """A full calendar date with a year ("01/02/1980", "1980年1月2日", "March 3 1985")."""
    zh = re.fullmatch(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?", text.strip())
    try:
        if zh:
            return date(int(zh.group(1)), int(zh.group(2)), int(zh.group(3)))
        iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text.strip())
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        num = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})", text.strip())
        if num:
            first, second, year = (int(g) for g in num.groups())
            if year < 100:
                year += 1900 if year > 30 else 2000
            # US order (MM/DD) unless the first part cannot be a month.
            month, day = (second, first) if first > 12 else (first, second)
            if language == "zh" and first <= 12 and second <= 12:
                month, day = first, second
            return date(year, month, day)
    except ValueError:
        return None
    parsed = dateparser.parse(text, languages=["en"], settings={"DATE_ORDER": "MDY"})
    return parsed.date() if parsed else None


# ---------------------------------------------------------------- months
_EN_COUNT = r"\d{1,2}|" + "|".join(sorted((w for w in EN_NUMBER_WORDS if " " not in w), key=len, reverse=True))
MONTHS_RE_EN = re.compile(
    rf"\b(?P<n>{_EN_COUNT})[\s-]*(?:months?|mos?|mths?|mnths?|mnth|monts?|monthly\s+payments?|installments?|instalments?|payments)\b",
    re.IGNORECASE,
)
_ZH_COUNT = r"\d{1,2}|[一二两三四五六七八九十]{1,3}"
MONTHS_RE_ZH = re.compile(rf"分\s*(?P<a>{_ZH_COUNT})\s*(?:期|个月|次)|(?P<b>{_ZH_COUNT})\s*(?:期|个月)")

# ---------------------------------------------------------------- money
_NUM = r"\d[\d,]*(?:\.\d+)?"
_CN_NUM = rf"[{CN_DIGITS}]+"
_UNIT = r"usd|dollars?|bucks?|rmb|cny|yuan|块钱|块|元|美元|美金|人民币|刀"
MONEY_RES = [
    re.compile(rf"(?P<cur>[$¥￥])\s*(?P<n>{_NUM}|{_CN_NUM})(?P<k>\s?k\b)?\s*(?P<mult>万|千)?", re.IGNORECASE),
    re.compile(rf"(?P<n>{_NUM})(?P<k>\s?k\b)?\s*(?P<mult>万|千)?\s*(?P<unit>{_UNIT})", re.IGNORECASE),
    re.compile(rf"(?P<n>{_NUM})(?P<k>k)\b", re.IGNORECASE),
    re.compile(r"(?P<n>\d[\d.]*)\s*(?P<mult>万|千)(?!米)"),
    re.compile(rf"(?P<n>{_CN_NUM})\s*(?P<unit>块钱|块|元|美元|美金|刀)"),
    re.compile(r"(?P<n>[一二两三四五六七八九十][零〇一二两三四五六七八九十百千万点]*[百千万][零〇一二两三四五六七八九十百千万点]*)(?![期个号日年月天周次位点])"),
]
PAY_CONTEXT_RE = re.compile(
    r"(?:pay|send|give|put down|do|offer|afford|还|付|交|给|转|打|先还|能还|拿出)\s*(?:you\s+|back\s+|like\s+|about\s+|only\s+|just\s+|上)?(?P<n>\d[\d,]*(?:\.\d+)?)(?![\d/.:-]|\s*(?:months?|mos?|installments?|payments|期|个月|号|日|年|月|天|周|次|位|点|%|(?:am|pm|th|st|nd|rd)\b))",
    re.IGNORECASE,
)


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < t_end and t_start < end for t_start, t_end in taken)


def amount_from_match(groups: dict[str, str | None]) -> tuple[Decimal, str | None] | None:
    """Normalised (amount, currency) for one money match, None if the number is unusable."""
    try:
        value = parse_number(groups["n"])
    except NumberError:
        return None
    if groups.get("k"):
        value *= 1000
    mult = groups.get("mult")
    if mult == "万":
        value *= 10000
    elif mult == "千":
        value *= 1000
    if value <= 0:
        return None
    return value, currency_of(groups.get("cur") or groups.get("unit"))


def extract(
    text: str,
    at: datetime,
    timezone_name: str | None = None,
    proposals: Iterable[tuple[int, int, str]] = (),
) -> list[Found]:
    """All entities in `text`, values normalised against the message time `at`.

    `proposals` are (start, end, label) spans from the spaCy EntityRuler, label one of
    MONEY / DATE / CARDINAL; they add entities the regex families did not find.
    """
    language = detect_language(text)
    today = local_today(at, zone_for(text, timezone_name))
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def add(entity: str, start: int, end: int, value: str) -> None:
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        found.append(Found(entity, start, end, text[start:end], value))
        taken.append((start, end))

    # identity: explicit keyword, or a full date far enough in the past to be a birth date
    has_dob_keyword = bool(DOB_KEYWORD_RE.search(text))
    for match in FULL_DATE_RE.finditer(text):
        parsed = parse_full_date(match.group(0), language)
        if parsed and (has_dob_keyword or parsed.year <= today.year - 14) and parsed < today:
            add("dob", match.start(), match.end(), parsed.isoformat())
    for regex, entity in ((ID_LAST4_RE, "id_last4"), (ZIP_RE, "zip")):
        for match in regex.finditer(text):
            if not _overlaps(match.start("v"), match.end("v"), taken):
                add(entity, match.start("v"), match.end("v"), match.group("v"))
    if language == "en" and not re.search(r"[$]|dollars?|bucks|pa(?:y|id)|owe|balance", text, re.IGNORECASE):
        for match in BARE_ZIP_RE.finditer(text):
            if not _overlaps(match.start("v"), match.end("v"), taken):
                add("zip", match.start("v"), match.end("v"), match.group("v"))

    # dates
    if language == "zh":
        for kind, regex in ZH_DATE_RE:
            for match in regex.finditer(text):
                if _overlaps(match.start(), match.end(), taken):
                    continue
                resolved = resolve_zh(kind, match.groupdict(), today)
                if resolved:
                    add("date", match.start(), match.end(), resolved.isoformat())
    for kind, regex in EN_DATE_RE:
        for match in regex.finditer(text):
            if _overlaps(match.start(), match.end(), taken):
                continue
            resolved = resolve_en(kind, match.group(0), match.groupdict(), today)
            if resolved:
                add("date", match.start(), match.end(), resolved.isoformat())

    # installment counts
    for regex in (MONTHS_RE_ZH, MONTHS_RE_EN):
        for match in regex.finditer(text):
            if _overlaps(match.start(), match.end(), taken):
                continue
            number = next(g for g in match.groups() if g)
            try:
                count = int(parse_number(number))
            except NumberError:
                continue
            if 1 <= count <= 60:
                add("months", match.start(), match.end(), str(count))

    # money
    for regex in MONEY_RES:
        for match in regex.finditer(text):
            if _overlaps(match.start(), match.end(), taken):
                continue
            parsed_amount = amount_from_match(match.groupdict())
            if parsed_amount:
                _add_amount(add, match.start(), match.end(), *parsed_amount)
    for match in PAY_CONTEXT_RE.finditer(text):
        if _overlaps(match.start("n"), match.end("n"), taken):
            continue
        parsed_amount = amount_from_match({"n": match.group("n")})
        if parsed_amount:
            _add_amount(add, match.start("n"), match.end("n"), *parsed_amount)

    # spaCy EntityRuler proposals the regex families did not claim
    for start, end, label in proposals:
        if _overlaps(start, end, taken):
            continue
        span = text[start:end]
        if label == "MONEY":
            for regex in MONEY_RES:
                match = regex.fullmatch(span.strip())
                parsed_amount = amount_from_match(match.groupdict()) if match else None
                if parsed_amount:
                    _add_amount(add, start, end, *parsed_amount)
                    break
        elif label == "DATE":
            resolved = resolve_en("parse", span, {}, today) if language == "en" else None
            if resolved:
                add("date", start, end, resolved.isoformat())

    found.sort(key=lambda f: (f.start, f.entity))
    return found


def _add_amount(
    add: Callable[[str, int, int, str], None], start: int, end: int, value: Decimal, currency: str | None
) -> None:
    """Record an amount and, when the text states one, its currency on the same span."""
    add("amount", start, end, money_string(value))
    if currency:
        add("currency", start, end, currency)
