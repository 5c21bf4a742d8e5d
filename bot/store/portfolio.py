"""Portfolio import: validate a CSV completely, then load it all in one transaction.

The file is streamed, never held in memory: pass 1 validates every row, reports each
problem as `line N: column: problem` and spools validated rows to a temporary file; only a
file without problems gets pass 2, which upserts accounts, phones and debts from the spool
in batches of 1,000 inside ONE transaction (all rows or none).
Re-importing an account updates it in place: its contacts, opt-outs, arrangements,
handoffs and evidence are keyed on the account id and stay.

Rules (see interfaces.md, "Portfolio CSV"):
- phones become E.164 (phonenumbers); a number without `+` is read in the pack's country
  (us -> US, cn -> CN; no pack -> US); an invalid number is a row error.
- `pack` defaults from the phone's country (+1 us, +86 cn), `language` from the pack
  (cn -> zh, else en), `currency` from the pack (us USD, cn CNY), `timezone` from the
  phone's zone (the first, when an area code spans two) and must be an IANA name.
- money is a Decimal with at most 2 decimal places and never negative; dates are ISO.
- `days_past_due`, when absent, is counted from `due_date` to today (0 without a due date).
- `risk_tier`, when absent: days past due < 30 -> low, 30-89 -> medium, >= 90 -> high,
  one tier higher when the balance is large (>= 5,000 USD, >= 35,000 CNY, else >= 5,000).
- dob / id_last4 / zip are stored only as keyed hashes (`bot.store.identity`).
"""

from __future__ import annotations

import csv
import hashlib
import pickle
import re
import tempfile
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import phonenumbers
from phonenumbers import timezone as phone_timezone
from sqlalchemy import and_, case, delete, false, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot import clock
from bot.locale import PACK_REGION
from bot.store import evidence, identity
from bot.store.models import Account, Debt, Phone

REQUIRED = ("account_id", "name", "phone", "balance")
OPTIONAL = ("language", "timezone", "pack", "currency", "creditor", "principal", "interest",
            "fees", "due_date", "days_past_due", "risk_tier", "dob", "id_last4", "zip",
            "alt_phone", "time_barred", "state")
LANGUAGES = ("en", "zh")
_STATE = re.compile(r"[A-Z]{2,3}")  # a state ("MA") or a region with its own rules ("NYC")
PACKS = ("us", "cn")
RISK_TIERS = ("low", "medium", "high")
COUNTRY_PACK = {1: "us", 86: "cn"}
PACK_LANGUAGE = {"us": "en", "cn": "zh"}
PACK_CURRENCY = {"us": "USD", "cn": "CNY"}
LARGE_BALANCE = {"USD": Decimal("5000"), "CNY": Decimal("35000")}
MAX_MONEY = Decimal("999999999999.99")
BATCH_SIZE = 1000
ZONE_CACHE_SIZE = 2048  # distinct exchanges remembered (bounded: memory stays flat)
DEBT_REF = "portfolio"

_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BOOL = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False, "": False}


class PortfolioError(Exception):
    """The file cannot be read as a portfolio at all (one line says why)."""


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.message}"


class PortfolioInvalid(Exception):
    """Some rows are bad; nothing was imported."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing imported")
        self.problems = list(problems)


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int
    dry_run: bool


@dataclass
class Row:
    """One validated row, ready to write."""

    account: Dict[str, Any]
    phones: List[Dict[str, Any]]
    debt: Dict[str, Any]


_ZONES: Optional[frozenset] = None


def iana_zones() -> frozenset:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(zoneinfo.available_timezones())
    return _ZONES


# ---------------------------------------------------------------- reading
def _open(path: Path):
    try:
        return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by caller
    except FileNotFoundError:
        raise PortfolioError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PortfolioError(f"{path}: is a directory, not a CSV file") from None
    except PermissionError:
        raise PortfolioError(f"{path}: permission denied") from None


def read_header(reader: Any, path: Path) -> List[str]:
    """The normalised header; wrong, missing or repeated columns are a PortfolioError."""
    try:
        header = next(reader)
    except StopIteration:
        raise PortfolioError(f"{path}: the file is empty; expected a header row starting "
                             f"{','.join(REQUIRED)}") from None
    columns = [c.strip().lower() for c in header]
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if missing or unknown or repeated:
        parts = []
        if missing:
            parts.append(f"missing required column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        if repeated:
            parts.append(f"repeated column(s) {', '.join(repeated)}")
        raise PortfolioError(f"{path}: {'; '.join(parts)} (required: {', '.join(REQUIRED)}; "
                             f"optional: {', '.join(OPTIONAL)})")
    return columns


def iter_records(path: Path) -> Iterator[Tuple[int, List[str], Any]]:
    """(line, header, record-or-problem) for every non-blank row, streaming."""
    with _open(path) as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = read_header(reader, path)
            previous = reader.line_num
            for fields in reader:
                line = previous + 1
                previous = reader.line_num
                if not fields or all(not f.strip() for f in fields):
                    continue
                if len(fields) != len(header):
                    yield line, header, Problem(line, "row", f"has {len(fields)} fields, "
                                                f"the header has {len(header)}")
                    continue
                yield line, header, dict(zip(header, fields))
        except UnicodeDecodeError:
            line, byte = _first_non_utf8(path)
            raise PortfolioError(f"{path}: not UTF-8 text (line {line} has byte 0x{byte:02x}); "
                                 f"save it as UTF-8") from None
        except csv.Error as exc:
            raise PortfolioError(f"{path}: line {reader.line_num}: not valid CSV ({exc})") from None


def _first_non_utf8(path: Path) -> Tuple[int, int]:
    """(line number, offending byte) of the first line that is not UTF-8 (text IO decodes
    in blocks, so the decoder's own position does not say which line it was)."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return number, raw[exc.start]
    return 0, 0


# ---------------------------------------------------------------- validating
class _RowCheck:
    """Validates one row, collecting every problem rather than stopping at the first."""

    def __init__(self, line: int, raw: Dict[str, str]) -> None:
        self.line, self.raw = line, {k: (v or "").strip() for k, v in raw.items()}
        self.problems: List[Problem] = []

    def bad(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.line, column, message))

    def text(self, column: str, *, required: bool = False, limit: int = 200) -> Optional[str]:
        value = self.raw.get(column, "")
        if not value:
            if required:
                self.bad(column, "is required")
            return None
        if len(value) > limit:
            self.bad(column, f"longer than {limit} characters")
            return None
        return value

    def choice(self, column: str, allowed: Sequence[str]) -> Optional[str]:
        value = self.raw.get(column, "").lower()
        if not value:
            return None
        if value not in allowed:
            self.bad(column, f"{self.raw[column]!r} is not one of {', '.join(allowed)}")
            return None
        return value

    def money(self, column: str, *, required: bool = False) -> Optional[Decimal]:
        value = self.raw.get(column, "")
        if not value:
            if required:
                self.bad(column, "is required")
            return None
        try:
            amount = Decimal(value)
        except InvalidOperation:
            self.bad(column, f"{value!r} is not a decimal amount (write it like 1250.00)")
            return None
        if not amount.is_finite():
            self.bad(column, f"{value!r} is not a decimal amount (write it like 1250.00)")
        elif amount < 0:
            self.bad(column, f"must not be negative ({value})")
        elif amount.as_tuple().exponent < -2:  # type: ignore[operator]
            self.bad(column, f"{value!r} has more than 2 decimal places")
        elif amount > MAX_MONEY:
            self.bad(column, f"{value!r} is too large")
        else:
            return amount.quantize(Decimal("0.01"))
        return None

    def iso_date(self, column: str) -> Optional[date]:
        value = self.raw.get(column, "")
        if not value:
            return None
        try:
            if not _ISO_DATE.match(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.bad(column, f"{value!r} is not an ISO date (YYYY-MM-DD)")
            return None

    def phone(self, column: str, region: str, *, required: bool = False) -> Optional[Any]:
        value = self.raw.get(column, "")
        if not value:
            if required:
                self.bad(column, "is required")
            return None
        try:
            number = phonenumbers.parse(value, None if value.startswith("+") else region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            self.bad(column, f"{value!r} is not a valid phone number")
            return None
        return number


def _zones_of(number: Any) -> List[str]:
    """IANA zones of a number. libphonenumber's zone data never goes below a number's
    first digits (area code + exchange in NANP), so results are cached by everything but
    the last 4 digits: a large portfolio pays for each exchange once."""
    national = str(number.national_number)
    key = (number.country_code, national[:-4]) if len(national) >= 10 else None
    zones = _ZONE_CACHE.get(key) if key else None
    if zones is None:
        zones = tuple(z for z in phone_timezone.time_zones_for_number(number) if z in iana_zones())
        if key:
            if len(_ZONE_CACHE) >= ZONE_CACHE_SIZE:
                _ZONE_CACHE.clear()
            _ZONE_CACHE[key] = zones
    return list(zones)


_ZONE_CACHE: Dict[Tuple[int, str], Tuple[str, ...]] = {}


def risk_tier(days_past_due: int, balance: Decimal, currency: str) -> str:
    """The documented default tier (module docstring)."""
    tier = 0 if days_past_due < 30 else 1 if days_past_due < 90 else 2
    if balance >= LARGE_BALANCE.get(currency, Decimal("5000")):
        tier = min(tier + 1, 2)
    return RISK_TIERS[tier]


def validate_row(line: int, raw: Dict[str, str], *, today: date, key: str,
                 now: datetime) -> Tuple[Optional[Row], List[Problem]]:
    """Check one row; a Row when it is good, and the list of its problems."""
    c = _RowCheck(line, raw)
    account_id = c.text("account_id", required=True, limit=64)
    if account_id and not _ACCOUNT_ID.match(account_id):
        c.bad("account_id", f"{account_id!r} may hold only letters, digits and . _ : / -")
        account_id = None
    name = c.text("name", required=True)
    pack = c.choice("pack", PACKS)
    phone = c.phone("phone", PACK_REGION.get(pack or "us", "US"), required=True)
    alt = c.phone("alt_phone", PACK_REGION.get(pack or "us", "US"))
    if pack is None and phone is not None:
        pack = COUNTRY_PACK.get(phone.country_code)
        if pack is None and not c.raw.get("pack"):
            c.bad("pack", f"cannot tell from +{phone.country_code} numbers; "
                          f"give one of {', '.join(PACKS)}")
    language = c.choice("language", LANGUAGES) or PACK_LANGUAGE.get(pack or "us", "en")
    tz = c.raw.get("timezone", "")
    if tz and tz not in iana_zones():
        c.bad("timezone", f"{tz!r} is not an IANA time zone name (e.g. America/New_York)")
    currency = (c.raw.get("currency", "") or PACK_CURRENCY.get(pack or "us", "USD")).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        c.bad("currency", f"{c.raw.get('currency')!r} is not a 3-letter ISO 4217 code")
    creditor = c.text("creditor")
    state = (c.raw.get("state", "") or "").strip().upper() or None
    if state is not None and not _STATE.fullmatch(state):
        c.bad("state", f"{c.raw['state']!r} is not a US state or region code (e.g. MA, NY, NYC)")
    balance = c.money("balance", required=True)
    principal = c.money("principal")
    interest = c.money("interest")
    fees = c.money("fees")
    due = c.iso_date("due_date")
    dpd_text = c.raw.get("days_past_due", "")
    dpd: Optional[int] = None
    if dpd_text:
        if re.fullmatch(r"\d{1,5}", dpd_text):
            dpd = int(dpd_text)
        else:
            c.bad("days_past_due", f"{dpd_text!r} is not a whole number of days >= 0")
    elif due is not None:
        dpd = max((today - due).days, 0)
    tier = c.choice("risk_tier", RISK_TIERS)
    barred_text = c.raw.get("time_barred", "").lower()
    if barred_text not in _BOOL:
        c.bad("time_barred", f"{c.raw['time_barred']!r} is not true or false")
    hashes: Dict[str, Optional[str]] = {}
    dob = c.iso_date("dob")
    if dob is not None and (dob > today or dob.year < 1900):
        c.bad("dob", f"{dob.isoformat()} is not a plausible date of birth")
    for column in identity.FIELDS:
        value = c.raw.get(column, "")
        if column == "dob":
            value = dob.isoformat() if dob else ""
        elif value and identity.normalize(column, value) is None:
            what = "4 digits (or X)" if column == "id_last4" else "a 5-digit zip or 6-digit postcode"
            c.bad(column, f"{value!r} is not {what}")
            continue
        if value and account_id:
            hashes[f"{column}_hash"] = identity.keyed_hash(
                key, column, account_id, identity.normalize(column, value) or "")
        else:
            hashes[f"{column}_hash"] = None
    if c.problems or account_id is None or phone is None or balance is None or name is None:
        return None, c.problems
    zones = _zones_of(phone)
    e164 = phonenumbers.format_number(phone, phonenumbers.PhoneNumberFormat.E164)
    phones = [{"account_id": account_id, "kind": "primary", "e164": e164, "zones": zones,
               "wrong_number": False}]
    if alt is not None:
        alt_e164 = phonenumbers.format_number(alt, phonenumbers.PhoneNumberFormat.E164)
        if alt_e164 != e164:
            phones.append({"account_id": account_id, "kind": "alt", "e164": alt_e164,
                           "zones": _zones_of(alt), "wrong_number": False})
    dpd = dpd or 0
    account = {"account_id": account_id, "name": name, "language": language,
               "timezone": tz or (zones[0] if zones else None), "pack": pack or "us",
               "creditor": creditor, "state": state,
               "risk_tier": tier or risk_tier(dpd, balance, currency),
               "created_at": now, "updated_at": now, **hashes}
    debt = {"account_id": account_id, "ref": DEBT_REF,
            "principal": principal if principal is not None else balance,
            "interest": interest or Decimal("0.00"), "fees": fees or Decimal("0.00"),
            "balance": balance, "currency": currency, "due_date": due, "days_past_due": dpd,
            "time_barred": _BOOL.get(barred_text, False),
            "status": "open" if balance > 0 else "paid", "updated_at": now}
    return Row(account, phones, debt), []


class _SeenIds:
    """Account ids already met in this file, with their line, kept in a temporary on-disk
    SQLite table rather than a Python dict so memory does not grow with the file."""

    def __init__(self) -> None:
        import sqlite3

        self._db = sqlite3.connect("", isolation_level=None)  # "" = private temporary file
        self._db.execute("PRAGMA cache_size=-2048")
        self._db.execute("CREATE TABLE seen (id TEXT PRIMARY KEY, line INTEGER) WITHOUT ROWID")
        self._db.execute("BEGIN")

    def first_line(self, account_id: str, line: int) -> Optional[int]:
        """The earlier line of `account_id`, or None (and remember this one)."""
        row = self._db.execute("SELECT line FROM seen WHERE id = ?", (account_id,)).fetchone()
        if row is not None:
            return int(row[0])
        self._db.execute("INSERT INTO seen VALUES (?, ?)", (account_id, line))
        return None

    def close(self) -> None:
        self._db.close()


def validated_rows(path: Path, *, key: str, now: datetime,
                   on_problem: Optional[Callable[[Problem], None]] = None
                   ) -> Iterator[Tuple[Optional[Row], List[Problem]]]:
    """Stream (row, problems) for each record, including duplicate-id problems."""
    today = now.date()
    seen = _SeenIds()
    try:
        for line, _header, record in iter_records(path):
            if isinstance(record, Problem):
                problems: List[Problem] = [record]
                row = None
            else:
                row, problems = validate_row(line, record, today=today, key=key, now=now)
                account_id = record.get("account_id", "").strip()
                first = seen.first_line(account_id, line) if account_id else None
                if first is not None:
                    problems.append(Problem(line, "account_id", f"{account_id!r} repeats line {first}"))
                    row = None
            if on_problem is not None:
                for p in problems:
                    on_problem(p)
            yield row, problems
    finally:
        seen.close()


# ---------------------------------------------------------------- writing
def _insert(s: Session):
    return postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert


def _upsert(s: Session, stmt: Any, rows: List[Dict[str, Any]]) -> None:
    """Execute an INSERT ... ON CONFLICT for many rows in as few round trips as possible.

    SQLite's executemany is already a loop in C. For PostgreSQL, SQLAlchemy 1.4 will not use
    psycopg2's `execute_values` for ON CONFLICT DO UPDATE (its SET could hold per-row
    parameters; ours holds none), so the statement is compiled once and the rows, run
    through the columns' own bind processors, are sent as multi-row VALUES pages.
    """
    conn = s.connection()
    if conn.dialect.name != "postgresql":
        s.execute(stmt, rows)
        return
    from psycopg2.extras import execute_values

    if not rows:
        return
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(rows[0]))
    template = f"({compiled.insert_single_values_expr})"
    sql = compiled.string.replace(template, "%s")
    if "%(" in sql:  # pragma: no cover - guards a future edit adding bound values to SET
        raise RuntimeError("upsert statement has bound parameters outside VALUES")
    table = stmt.table
    processors = {c.name: c.type._cached_bind_processor(conn.dialect) for c in table.columns}
    prepared = [{k: (processors[k](v) if processors.get(k) else v) for k, v in row.items()}
                for row in rows]
    cursor = conn.connection.cursor()
    try:
        execute_values(cursor, sql, prepared, template=template, page_size=len(prepared) or 1)
    finally:
        cursor.close()


def _write_batch(s: Session, rows: List[Row], columns: Sequence[str]) -> Tuple[int, int]:
    """Upsert one batch; returns (created, updated)."""
    insert = _insert(s)
    ids = [r.account["account_id"] for r in rows]
    existing = set(s.execute(select(Account.account_id).where(Account.account_id.in_(ids))).scalars())
    acc = insert(Account.__table__)
    keep_hash = {f"{f}_hash" for f in identity.FIELDS if f not in columns}
    account_cols = ["name", "language", "timezone", "pack", "creditor", "risk_tier", "updated_at",
                    "dob_hash", "id_last4_hash", "zip_hash"]
    if "state" in columns:  # a file without the column keeps the state on file
        account_cols.append("state")
    _upsert(s, acc.on_conflict_do_update(
        index_elements=["account_id"],
        set_={c: acc.excluded[c] for c in account_cols if c not in keep_hash}),
        [r.account for r in rows])
    ph_table = Phone.__table__
    ph = insert(ph_table)
    _upsert(s, ph.on_conflict_do_update(
        index_elements=["account_id", "kind"],
        set_={"e164": ph.excluded.e164, "zones": ph.excluded.zones,
              "wrong_number": case((ph_table.c.e164 == ph.excluded.e164, ph_table.c.wrong_number),
                                   else_=false())}),
        [p for r in rows for p in r.phones])
    without_alt = [r.account["account_id"] for r in rows if len(r.phones) == 1]
    if without_alt and "alt_phone" in columns:
        s.execute(delete(ph_table).where(and_(ph_table.c.kind == "alt",
                                              ph_table.c.account_id.in_(without_alt))))
    dt = insert(Debt.__table__)
    debt_cols = ["principal", "interest", "fees", "balance", "currency", "due_date",
                 "days_past_due", "time_barred", "status", "updated_at"]
    _upsert(s, dt.on_conflict_do_update(
        index_elements=["account_id", "ref"], set_={c: dt.excluded[c] for c in debt_cols}),
        [r.debt for r in rows])
    return len(rows) - len(existing), len(existing)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_portfolio(path: Path, *, dry_run: bool = False,
                     on_problem: Optional[Callable[[Problem], None]] = None,
                     batch_size: int = BATCH_SIZE) -> ImportResult:
    """Validate `path` fully; if it is clean (and not a dry run) load it all in one transaction.

    Pass 1 streams the CSV, validates each row and spools the validated rows, a batch at a
    time, to an anonymous temporary file (so nothing is validated twice and memory stays
    flat); pass 2 streams the spool into the database. Raises PortfolioError (unreadable
    file) or PortfolioInvalid (bad rows, each reported through `on_problem` as it is found);
    in both cases the database is untouched.
    """
    from bot.config import get_settings

    path = Path(path)
    key, now = get_settings().hmac_key, clock.now()
    problems: List[Problem] = []
    rows = batches = 0
    with tempfile.TemporaryFile(prefix="collectbot-import-") as spool:
        batch: List[Row] = []
        for row, row_problems in validated_rows(path, key=key, now=now, on_problem=on_problem):
            rows += 1
            problems.extend(row_problems)
            if row is not None and not problems and not dry_run:
                batch.append(row)
                if len(batch) >= batch_size:
                    pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
                    batch, batches = [], batches + 1
        if problems:
            raise PortfolioInvalid(problems)
        if rows == 0:
            raise PortfolioError(f"{path}: has a header but no rows")
        if dry_run:
            return ImportResult(rows=rows, created=0, updated=0, dry_run=True)
        if batch:
            pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
            batches += 1
        spool.seek(0)
        with _open(path) as handle:
            columns = read_header(csv.reader(handle), path)
        created, updated = _load(spool, batches, columns, path, rows, now)
    return ImportResult(rows=rows, created=created, updated=updated, dry_run=False)


def _load(spool: Any, batches: int, columns: Sequence[str], path: Path, rows: int,
          now: datetime) -> Tuple[int, int]:
    """Pass 2: every spooled batch, then the evidence record, in one transaction."""
    from bot.store.db import session_scope

    created = updated = 0
    with session_scope() as s:
        for _ in range(batches):
            c, u = _write_batch(s, pickle.load(spool), columns)
            created, updated = created + c, updated + u
        evidence.append(s, "import", None, {"file": path.name, "sha256": _file_sha256(path),
                                            "rows": rows, "created": created, "updated": updated},
                        at=now)
    return created, updated
