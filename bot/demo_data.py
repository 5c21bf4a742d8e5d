"""Synthetic portfolios for the demo, the tests and the import benchmark.

`generate(n, seed)` yields rows in the portfolio CSV format (interfaces.md): us and cn
accounts, English and Chinese speakers (Chinese names for cn, and some Chinese speakers in
the us), every risk tier (some given, some left for the importer to compute), and several
zones including US area codes whose territory spans two zones (850, 541, 270, 812, 423,
308, 208, 605, 701). Every phone number is checked with phonenumbers before it is used.
The same seed always gives the same file.

`DEMO_ACCOUNTS` are two fixed accounts that every generated portfolio starts with, so the
demo and the tests can talk to someone they know:

- A-1001 Jordan Lee, +14155550123 (San Francisco, America/Los_Angeles), us pack, English,
  balance 1250.00 USD = principal 1050.00 + interest 150.00 + fees 50.00;
  identity answers dob 1985-03-14, id_last4 1234, zip 94110.
- A-2001 王芳, +8613912345678 (Asia/Shanghai), cn pack, Chinese, balance 8000.00 CNY =
  principal 7000.00 + interest 700.00 + fees 300.00; dob 1985-03-14, id_last4 1234,
  zip 200000.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Dict, Iterator, List, Set

import phonenumbers

COLUMNS = ("account_id", "name", "phone", "balance", "language", "timezone", "pack", "currency",
           "creditor", "principal", "interest", "fees", "due_date", "days_past_due", "risk_tier",
           "dob", "id_last4", "zip", "alt_phone")

# Due dates are counted back from this fixed day so a seed gives the same file every day.
REFERENCE_DAY = date(2026, 11, 1)

DEMO_ACCOUNTS: List[Dict[str, str]] = [
    {"account_id": "A-1001", "name": "Jordan Lee", "phone": "+14155550123", "balance": "1250.00",
     "language": "en", "timezone": "America/Los_Angeles", "pack": "us", "currency": "USD",
     "creditor": "Acme Bank", "principal": "1050.00", "interest": "150.00", "fees": "50.00",
     "due_date": "2026-09-15", "days_past_due": "47", "risk_tier": "medium",
     "dob": "1985-03-14", "id_last4": "1234", "zip": "94110", "alt_phone": ""},
    {"account_id": "A-2001", "name": "王芳", "phone": "+8613912345678", "balance": "8000.00",
     "language": "zh", "timezone": "Asia/Shanghai", "pack": "cn", "currency": "CNY",
     "creditor": "华信消费金融", "principal": "7000.00", "interest": "700.00", "fees": "300.00",
     "due_date": "2026-08-20", "days_past_due": "73", "risk_tier": "medium",
     "dob": "1985-03-14", "id_last4": "1234", "zip": "200000", "alt_phone": ""},
]

# area code -> the zones its territory covers (address zone is drawn from these)
US_AREAS = {
    "212": ("America/New_York",), "305": ("America/New_York",), "312": ("America/Chicago",),
    "214": ("America/Chicago",), "303": ("America/Denver",), "602": ("America/Phoenix",),
    "213": ("America/Los_Angeles",), "206": ("America/Los_Angeles",),
    "907": ("America/Anchorage",), "808": ("Pacific/Honolulu",),
    # area codes that span two zones
    "850": ("America/New_York", "America/Chicago"), "270": ("America/Chicago", "America/New_York"),
    "812": ("America/New_York", "America/Chicago"), "423": ("America/New_York", "America/Chicago"),
    "541": ("America/Los_Angeles", "America/Boise"), "208": ("America/Boise", "America/Los_Angeles"),
    "308": ("America/Chicago", "America/Denver"), "605": ("America/Chicago", "America/Denver"),
    "701": ("America/Chicago", "America/Denver"),
}
CN_MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152",
                      "158", "159", "182", "186", "187", "188", "189")
EN_FIRST = ("James", "Mary", "Robert", "Patricia", "Michael", "Linda", "David", "Elizabeth",
            "Carlos", "Maria", "Aisha", "Kevin", "Priya", "Daniel", "Sofia", "Tyrone", "Emily",
            "Jamal", "Hannah", "Luis")
EN_LAST = ("Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Rodriguez",
           "Martinez", "Wilson", "Anderson", "Thomas", "Jackson", "Nguyen", "Patel", "Kim")
ZH_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱")
ZH_GIVEN = ("芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
            "涛", "明", "超", "秀英", "华", "平", "建国", "晓燕", "志强", "海燕")
US_CREDITORS = ("Acme Bank", "Northwind Card Services", "Contoso Auto Finance", "Fabrikam Health")
CN_CREDITORS = ("华信消费金融", "东方银行信用卡中心", "长城小额贷款")
# the tiers a row states outright; None leaves it to the importer's rule
TIERS = ("low", "medium", "high", None, None)


class _Numbers:
    """Valid, unique phone numbers drawn from a seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: Set[str] = {a["phone"] for a in DEMO_ACCOUNTS}

    def _take(self, make) -> str:
        while True:
            number = make()
            if number in self.used:
                continue
            if phonenumbers.is_valid_number(phonenumbers.parse(number)):
                self.used.add(number)
                return number

    def us(self, area: str) -> str:
        def make() -> str:
            exchange = self.rng.randint(200, 999)
            if exchange % 100 == 11:  # N11 codes are not exchanges
                exchange += 1
            return f"+1{area}{exchange:03d}{self.rng.randint(0, 9999):04d}"
        return self._take(make)

    def cn(self) -> str:
        return self._take(lambda: f"+86{self.rng.choice(CN_MOBILE_PREFIXES)}"
                                  f"{self.rng.randint(0, 99999999):08d}")


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return (Decimal(rng.randint(low * 100, high * 100)) / 100).quantize(Decimal("0.01"))


def _row(i: int, rng: random.Random, numbers: _Numbers) -> Dict[str, str]:
    cn = rng.random() < 0.3
    if cn:
        pack, currency, timezone, language = "cn", "CNY", "Asia/Shanghai", "zh"
        name = rng.choice(ZH_SURNAMES) + rng.choice(ZH_GIVEN)
        phone = numbers.cn()
        alt = numbers.cn() if rng.random() < 0.15 else ""
        principal = _money(rng, 500, 120000)
        creditor = rng.choice(CN_CREDITORS)
        postcode = f"{rng.randint(100000, 850000):06d}"
    else:
        pack, currency = "us", "USD"
        area = rng.choice(sorted(US_AREAS))
        timezone = rng.choice(US_AREAS[area])
        language = "zh" if rng.random() < 0.12 else "en"
        name = (rng.choice(ZH_SURNAMES) + rng.choice(ZH_GIVEN) if language == "zh"
                else f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}")
        phone = numbers.us(area)
        alt = numbers.us(rng.choice(sorted(US_AREAS))) if rng.random() < 0.15 else ""
        principal = _money(rng, 50, 18000)
        creditor = rng.choice(US_CREDITORS)
        postcode = f"{rng.randint(1001, 99950):05d}"
    interest = (principal * Decimal(rng.randint(0, 25)) / 100).quantize(Decimal("0.01"))
    fees = Decimal(rng.choice((0, 0, 25, 35, 50, 75)))
    dpd = rng.choice((rng.randint(0, 29), rng.randint(30, 89), rng.randint(90, 720)))
    due = REFERENCE_DAY - timedelta(days=dpd)
    dob = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 50))
    tier = rng.choice(TIERS)
    return {
        "account_id": f"{'C' if cn else 'U'}-{i:07d}", "name": name, "phone": phone,
        "balance": str(principal + interest + fees), "language": language, "timezone": timezone,
        "pack": pack, "currency": currency, "creditor": creditor, "principal": str(principal),
        "interest": str(interest), "fees": f"{fees:.2f}", "due_date": due.isoformat(),
        "days_past_due": str(dpd), "risk_tier": tier or "", "dob": dob.isoformat(),
        "id_last4": f"{rng.randint(0, 9999):04d}", "zip": postcode, "alt_phone": alt,
    }


def generate(accounts: int, seed: int = 0) -> Iterator[Dict[str, str]]:
    """`accounts` rows: the DEMO_ACCOUNTS first, then synthetic ones (deterministic per seed)."""
    if accounts < 0:
        raise ValueError("accounts must be >= 0")
    rng = random.Random(seed)
    numbers = _Numbers(rng)
    for i in range(accounts):
        if i < len(DEMO_ACCOUNTS):
            yield dict(DEMO_ACCOUNTS[i])
        else:
            yield _row(i, rng, numbers)


def write_csv(path: Path, accounts: int, seed: int = 0) -> int:
    """Write a portfolio CSV to `path`; returns the number of rows written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in generate(accounts, seed):
            writer.writerow(row)
            count += 1
    return count
