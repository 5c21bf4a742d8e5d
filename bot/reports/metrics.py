"""The collections KPIs, each defined once, computed by SQL aggregation in the database.

A report is a list of rows, one per combination of the requested slices (`--by`), each
holding every metric below. The database does the counting and summing (one grouped query
per kind of fact: contacts, gate reasons, verifications, arrangements, payments, placed
balances, opt-outs, handoffs); Python only joins the grouped results by their slice key and
divides numerators by denominators, so the cost does not grow with the portfolio in Python.

Conventions that every formula below relies on:
- the date range `[start, end]` is inclusive, in UTC days, applied to each fact's own instant
  (a contact's `at`, an arrangement's `created_at`, a payment's `paid_at` ...);
- "day" and "week" (the Monday starting the ISO week) are UTC and written `YYYY-MM-DD`;
- a rate is `numerator / denominator` rounded half-even to 4 places, `None` when the
  denominator is 0; money is per currency (`{"USD": "12.50"}`), never added across currencies;
- a slice that a fact does not have (opt-outs, payments ... have no contact channel) leaves
  that fact's metrics `None` in a report sliced by it, rather than a misleading number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import String, and_, case, cast, distinct, func, literal, or_, select, text
from sqlalchemy.orm import Session

from bot import clock
from bot.dialogue.streaks import NEGATIVE_LIMIT, REASON_NEGATIVE
from bot.reports import sqlbits
from bot.reports.names import (  # the slice names (also read by the CLI)
    ACCOUNT_DIMENSIONS,
    DIMENSIONS,
    ENROLMENT_DIMENSIONS,
    PER_ACCOUNT_DIMENSIONS,
    TIME_DIMENSIONS,
)
from bot.store.models import (
    Account,
    Arrangement,
    CampaignSend,
    ContactAttempt,
    Debt,
    EvidenceRecord,
    Handoff,
    HandoffRouting,
    OptOut,
    Payment,
    Verification,
)
from bot.store.types import UTCDateTime

# Contact statuses: a message or call that left us; one that reached the person.
CONTACTED = ("sent", "delivered", "answered", "voicemail")
REACHED_OUTBOUND = ("delivered", "answered")
ATTEMPTED = ("sent", "delivered", "failed", "answered", "voicemail", "no_answer")
NOT_PROMISED = ("proposed",)  # an arrangement still only proposed is not a promise
FIRST_REPLY_KIND = "console.reply"  # evidence written when an agent's reply is screened
RATE_PLACES = Decimal("0.0001")

# The row conditions behind the counts, shared with the dashboard's "rows behind a number".
_C = ContactAttempt
IS_CONTACTED = and_(_C.direction == "outbound", _C.status.in_(CONTACTED))
IS_REACHED = or_(and_(_C.direction == "outbound", _C.status.in_(REACHED_OUTBOUND)),
                 and_(_C.direction == "inbound", _C.status == "received"))
IS_ATTEMPT = and_(_C.direction == "outbound", _C.status.in_(ATTEMPTED))
IS_FAILED = and_(_C.direction == "outbound", _C.status == "failed")
IS_PROMISED = Arrangement.status.notin_(NOT_PROMISED)


def has_reason(reason: str) -> Any:
    """A handoff whose reasons include `reason`: one open handoff per conversation gathers
    its reasons comma-separated ("dispute,distress"), so equality would miss the later ones.
    `',' || reason || ','` LIKE `'%,<reason>,%'` matches a whole reason on both backends."""
    pattern = reason.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (literal(",") + Handoff.reason + literal(",")).like(f"%,{pattern},%", escape="\\")


def reasons_of(text_value: Optional[str]) -> List[str]:
    """The reasons of a handoff's comma-separated `reason`, each once, in order."""
    out: List[str] = []
    for part in (text_value or "").split(","):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str          # count | amount | rate | seconds
    formula: str
    keyed: bool = False  # a dict (by currency, reason or rule) rather than one number


METRICS: Tuple[Metric, ...] = (
    Metric("accounts_contacted", "count",
           "distinct account_id of outbound contacts with status in (sent, delivered, answered, "
           "voicemail)"),
    Metric("accounts_reached", "count",
           "distinct account_id of outbound contacts with status in (delivered, answered) or "
           "inbound contacts with status received"),
    Metric("accounts_verified", "count", "distinct account_id of identity verifications"),
    Metric("right_party_contact_rate", "rate", "accounts_verified / accounts_reached"),
    Metric("accounts_promised", "count",
           "distinct account_id of arrangements (any kind) whose status is not proposed"),
    Metric("promise_rate", "rate", "accounts_promised / accounts_reached"),
    Metric("promises_made", "count", "arrangements whose status is not proposed"),
    Metric("promises_kept", "count", "arrangements with status kept"),
    Metric("promises_broken", "count", "arrangements with status broken"),
    Metric("kept_rate", "rate", "promises_kept / (promises_kept + promises_broken)"),
    Metric("amount_promised", "amount",
           "sum of arrangements.total whose status is not proposed, per currency", keyed=True),
    Metric("accounts_paid", "count", "distinct account_id of payments"),
    Metric("amount_recovered", "amount", "sum of payments.amount, per currency", keyed=True),
    Metric("placed_amount", "amount",
           "sum of debts.principal + interest + fees of the slice's accounts, per currency "
           "(the amount placed for collection; not limited by dates, day or channel)", keyed=True),
    Metric("recovery_rate", "rate", "amount_recovered / placed_amount, per currency", keyed=True),
    Metric("plans_accepted", "count", "arrangements of kind plan whose status is not proposed"),
    Metric("plans_broken", "count", "arrangements of kind plan with status broken"),
    Metric("accounts_opted_out", "count", "distinct account_id of opt-outs in force"),
    Metric("opt_out_rate", "rate", "accounts_opted_out / accounts_contacted"),
    Metric("accounts_complaint", "count",
           "distinct account_id of handoffs with complaint among their reasons"),
    Metric("complaint_rate", "rate", "accounts_complaint / accounts_reached"),
    Metric("accounts_dispute", "count",
           "distinct account_id of handoffs with dispute among their reasons"),
    Metric("dispute_rate", "rate", "accounts_dispute / accounts_reached"),
    Metric("accounts_angry", "count",
           f"distinct account_id of handoffs with {REASON_NEGATIVE} among their reasons (the "
           f"dialogue hands over after {NEGATIVE_LIMIT} negative-emotion messages in a row)"),
    Metric("angry_rate", "rate", "accounts_angry / accounts_reached"),
    Metric("handoffs", "count", "handoffs created"),
    Metric("handoffs_by_reason", "count",
           "handoffs created, per reason; a handoff counts once under each of its "
           "comma-separated reasons, so the reasons may add up to more than handoffs",
           keyed=True),
    Metric("handoff_rate_by_reason", "rate", "handoffs_by_reason / accounts_reached, per reason",
           keyed=True),
    Metric("median_first_reply_seconds", "seconds",
           "median over handoffs with an agent reply of (first allowed console.reply evidence "
           "at - handoff created_at), whole seconds; the mean of the two middle values when "
           "even"),
    Metric("sla_breaches", "count",
           "handoffs whose first agent reply (or, with none yet, the report's as_of instant) "
           "is later than their routing due_at"),
    Metric("gate_blocked", "count", "contacts with status blocked"),
    Metric("gate_deferred", "count", "contacts with status deferred"),
    Metric("gate_blocked_by_rule", "count",
           "distinct contacts with status blocked carrying a reason of that rule", keyed=True),
    Metric("gate_deferred_by_rule", "count",
           "distinct contacts with status deferred carrying a reason of that rule", keyed=True),
    Metric("outbound_attempts", "count",
           "outbound contacts with status in (sent, delivered, failed, answered, voicemail, "
           "no_answer)"),
    Metric("delivery_failures", "count", "outbound contacts with status failed"),
    Metric("delivery_failure_rate", "rate", "delivery_failures / outbound_attempts"),
    Metric("campaign_sends_by_status", "count",
           "campaign ledger rows (by created_at, channel sms/voice/handoff), per status; sliced "
           "by campaign or step, by the row's own campaign and step_key", keyed=True),
)
METRIC_NAMES = tuple(m.name for m in METRICS)
BY_NAME = {m.name: m for m in METRICS}


@dataclass(frozen=True)
class ReportQuery:
    """What to report: a UTC date range (inclusive), slices, and account filters."""

    start: Optional[date] = None
    end: Optional[date] = None
    by: Tuple[str, ...] = ()
    tier: Optional[str] = None
    pack: Optional[str] = None
    language: Optional[str] = None
    creditor: Optional[str] = None
    campaign: Optional[str] = None  # only accounts with a send in this campaign's ledger
    as_of: Optional[datetime] = None  # SLA: when an unanswered handoff is judged; default now

    def __post_init__(self) -> None:
        unknown = [b for b in self.by if b not in DIMENSIONS]
        if unknown:
            raise ValueError(f"unknown slice {unknown[0]!r}; choose from {', '.join(DIMENSIONS)}")
        if len(set(self.by)) != len(self.by):
            raise ValueError(f"a slice is named twice in {','.join(self.by)}")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"--from {self.start} is after --to {self.end}")


@dataclass
class Report:
    query: ReportQuery
    rows: List[Dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> Dict[str, Any]:
        """Plain JSON types: counts int, money and rates as decimal strings."""
        q = self.query
        return {"from": q.start.isoformat() if q.start else None,
                "to": q.end.isoformat() if q.end else None, "by": list(q.by),
                "filters": {k: getattr(q, k) for k in ACCOUNT_DIMENSIONS + ("campaign",)
                            if getattr(q, k)},
                "rows": [{k: _plain(v) for k, v in row.items()} for row in self.rows]}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    return value


def rate(numerator: Any, denominator: Any) -> Optional[Decimal]:
    """`numerator / denominator` rounded half-even to 4 places; None when undefined."""
    if numerator is None or denominator is None or Decimal(denominator) == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_EVEN)


class _Builder:
    """Builds each fact's grouped query with the report's slices and filters."""

    def __init__(self, s: Session, q: ReportQuery) -> None:
        self.s, self.q = s, q
        self.dialect = s.get_bind().dialect.name
        self._enrolment: Any = None

    def applies(self, has_time: bool, has_channel: bool) -> bool:
        if not has_time and any(b in TIME_DIMENSIONS for b in self.q.by):
            return False
        return has_channel or "channel" not in self.q.by

    @property
    def needs_account(self) -> bool:
        q = self.q
        return any(b in ACCOUNT_DIMENSIONS for b in q.by) or any(
            getattr(q, name) for name in ACCOUNT_DIMENSIONS + ("campaign",))

    def frm(self, model: Any) -> Any:
        """The fact's table, joined to accounts only when a slice or filter needs them (the
        join costs as much as the aggregation over a million contacts), and to the
        account's campaign enrolments when sliced by campaign or step."""
        table = model.__table__
        joined = table
        if self.needs_account and model is not Account:
            joined = joined.join(Account.__table__, Account.account_id == table.c.account_id)
        enrol = self.enrolment
        if enrol is not None:
            joined = joined.join(enrol, enrol.c.account_id == table.c.account_id)
        return joined

    @property
    def enrolment(self) -> Any:
        if not any(b in ENROLMENT_DIMENSIONS for b in self.q.by):
            return None
        if self._enrolment is None:
            cols = [CampaignSend.account_id, CampaignSend.campaign]
            if "step" in self.q.by:
                cols.append(CampaignSend.step_key)
            self._enrolment = select(*cols).distinct().subquery("enrolment")
        return self._enrolment

    def dims(self, at: Any = None, channel: Any = None) -> List[Any]:
        """The report's slices as labelled columns (`d_<slice>`), in `--by` order."""
        cols = self.dim_columns(at, channel)
        return [cols[b].label(f"d_{b}") for b in self.q.by]

    def dim_columns(self, at: Any = None, channel: Any = None) -> Dict[str, Any]:
        cols = {"tier": Account.risk_tier, "pack": Account.pack, "language": Account.language,
                "creditor": sqlbits.text_or_empty(Account.creditor)}
        if at is not None:
            cols["day"] = sqlbits.utc_day(self.dialect, at)
            cols["week"] = sqlbits.utc_week(self.dialect, at)
        if channel is not None:
            cols["channel"] = channel
        if self.enrolment is not None:
            cols["campaign"] = self.enrolment.c.campaign
            if "step" in self.q.by:
                cols["step"] = self.enrolment.c.step_key
        return cols

    def where(self, at: Any = None) -> List[Any]:
        """Account filters, and the date range on `at` when given."""
        return self.account_filters() + (self.time_range(at) if at is not None else [])

    def time_range(self, at: Any) -> List[Any]:
        q, clauses = self.q, []
        if q.start:
            clauses.append(at >= _midnight(q.start))
        if q.end:
            clauses.append(at < _midnight(q.end + timedelta(days=1)))
        return clauses

    def account_filters(self) -> List[Any]:
        q, clauses = self.q, []
        for name, col in (("tier", Account.risk_tier), ("pack", Account.pack),
                          ("language", Account.language), ("creditor", Account.creditor)):
            if getattr(q, name):
                clauses.append(col == getattr(q, name))
        if q.campaign:
            clauses.append(Account.account_id.in_(
                select(CampaignSend.account_id).where(CampaignSend.campaign == q.campaign)))
        return clauses

    def run(self, stmt: Any) -> Iterable[Any]:
        if self.dialect == "postgresql":  # hash aggregates in memory, not spilled to disk
            self.s.execute(text("SET LOCAL work_mem = '64MB'"))
        return self.s.execute(stmt).all()

    def key(self, row: Any) -> Tuple[Any, ...]:
        return tuple(sqlbits.day_text(row._mapping[f"d_{b}"]) for b in self.q.by)


def row_filters(s: Session, q: ReportQuery, at: Any) -> List[Any]:
    """The WHERE clauses (account filters, date range on `at`) every metric applies; a query
    using them must join `Account`."""
    return _Builder(s, q).where(at)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def _count_if(cond: Any) -> Any:
    return func.count(case((cond, 1)))


def _distinct_if(cond: Any, col: Any) -> Any:
    return func.count(distinct(case((cond, col))))


def _contact_volumes(b: _Builder, out: Dict[Tuple, Dict[str, Any]]) -> None:
    c = ContactAttempt
    dims = b.dims(c.at, c.channel)
    stmt = (select(*dims, _count_if(IS_ATTEMPT).label("outbound_attempts"),
                   _count_if(IS_FAILED).label("delivery_failures"),
                   _count_if(c.status == "blocked").label("gate_blocked"),
                   _count_if(c.status == "deferred").label("gate_deferred"))
            .select_from(b.frm(c)).where(*b.where(c.at)).group_by(*dims))
    _store(b, out, stmt, ("outbound_attempts", "delivery_failures", "gate_blocked",
                          "gate_deferred"))


def _contact_accounts(b: _Builder, out: Dict[Tuple, Dict[str, Any]]) -> None:
    """Two-level aggregation: a 0/1 flag per (slice, account) first, summed per slice.

    Summing the flags gives the distinct-account counts; on PostgreSQL it is several times
    faster than COUNT(DISTINCT CASE ...) over a million contacts."""
    c = ContactAttempt
    if not any(name in b.q.by for name in TIME_DIMENSIONS + ("channel",)):
        _contact_accounts_by_account(b, out)
        return
    dims = b.dims(c.at, c.channel)
    per_account = (select(*dims,
                          func.max(case((IS_CONTACTED, 1), else_=0)).label("contacted"),
                          func.max(case((IS_REACHED, 1), else_=0)).label("reached"))
                   .select_from(b.frm(c)).where(*b.where(c.at))
                   .group_by(*dims, c.account_id).subquery("per_account"))
    outer = [per_account.c[f"d_{name}"] for name in b.q.by]
    stmt = (select(*outer, func.sum(per_account.c.contacted).label("accounts_contacted"),
                   func.sum(per_account.c.reached).label("accounts_reached")).group_by(*outer))
    _store(b, out, stmt, ("accounts_contacted", "accounts_reached"))


def _contact_accounts_by_account(b: _Builder, out: Dict[Tuple, Dict[str, Any]]) -> None:
    """The same counts without day or channel slices, as accounts WHERE EXISTS (a contact):
    PostgreSQL plans it as a hash semi-join, about four times faster than grouping a million
    contacts by account. A slice with no such account yields no row, as before."""
    c = ContactAttempt
    dims = b.dims()
    for name, condition in (("accounts_contacted", IS_CONTACTED), ("accounts_reached", IS_REACHED)):
        probe = select(c.id).where(c.account_id == Account.account_id, condition,
                                   *b.time_range(c.at)).exists()
        stmt = (select(*dims, func.count().label(name)).select_from(b.frm(Account))
                .where(probe, *b.account_filters()).group_by(*dims))
        _store(b, out, stmt, (name,))


def _gate_rules(b: _Builder, out: Dict[Tuple, Dict[str, Any]]) -> None:
    c = ContactAttempt
    dims = b.dims(c.at, c.channel)
    # Gate decisions by rule: the database groups blocked/deferred contacts by their reasons
    # list (few distinct lists); each list's rules are counted once per contact here.
    stmt = (select(*dims, c.status, c.reasons, func.count().label("n"))
            .select_from(b.frm(c))
            .where(c.status.in_(("blocked", "deferred")), *b.where(c.at))
            .group_by(*dims, c.status, c.reasons))
    for row in b.run(stmt):
        by_rule = out[b.key(row)].setdefault(f"gate_{row.status}_by_rule", {})
        for rule in {str(reason).split(":", 1)[0].strip() for reason in row.reasons or []}:
            by_rule[rule] = by_rule.get(rule, 0) + int(row.n)


def _store(b: _Builder, out: Dict[Tuple, Dict[str, Any]], stmt: Any, names: Sequence[str]) -> None:
    for row in b.run(stmt):
        target = out[b.key(row)]
        for name in names:
            target[name] = int(row._mapping[name] or 0)


def _verifications(b: _Builder, out: Dict[Tuple, Dict[str, Any]]) -> None:
    v = Verification
    dims = b.dims(v.at)
    stmt = (select(*dims, func.count(distinct(v.account_id)).label("accounts_verified"))
            .select_from(b.frm(v))
            .where(*b.where(v.at)).group_by(*dims))
    _store(b, out, stmt, ("accounts_verified",))


def _arrangements(b: _Builder, out: Dict[Tuple, Dict[str, Any]]) -> None:
    a = Arrangement
    dims = b.dims(a.created_at)
    promised = IS_PROMISED
    plan = a.kind == "plan"
    stmt = (select(*dims,
                   _distinct_if(promised, a.account_id).label("accounts_promised"),
                   _count_if(promised).label("promises_made"),
                   _count_if(a.status == "kept").label("promises_kept"),
                   _count_if(a.status == "broken").label("promises_broken"),
                   _count_if(and_(plan, promised)).label("plans_accepted"),
                   _count_if(and_(plan, a.status == "broken")).label("plans_broken"))
            .select_from(b.frm(a))
            .where(*b.where(a.created_at)).group_by(*dims))
    _store(b, out, stmt, ("accounts_promised", "promises_made", "promises_kept",
                          "promises_broken", "plans_accepted", "plans_broken"))
    stmt = (select(*dims, a.currency, func.sum(a.total).label("amount"))
            .select_from(b.frm(a))
            .where(promised, *b.where(a.created_at)).group_by(*dims, a.currency))
    _amounts(b, out, stmt, "amount_promised")


def _amounts(b: _Builder, out: Dict[Tuple, Dict[str, Any]], stmt: Any, name: str) -> None:
    for row in b.run(stmt):
        out[b.key(row)].setdefault(name, {})[row.currency] = sqlbits.money(b.dialect, row.amount)


def _payments(b: _Builder, out: Dict[Tuple, Dict[str, Any]]) -> None:
    p = Payment
    dims = b.dims(p.paid_at)
    stmt = (select(*dims, func.count(distinct(p.account_id)).label("accounts_paid"))
            .select_from(b.frm(p))
            .where(*b.where(p.paid_at)).group_by(*dims))
    _store(b, out, stmt, ("accounts_paid",))
    stmt = (select(*dims, p.currency, func.sum(p.amount).label("amount"))
            .select_from(b.frm(p))
            .where(*b.where(p.paid_at)).group_by(*dims, p.currency))
    _amounts(b, out, stmt, "amount_recovered")


def _placed(b: _Builder) -> Dict[Tuple, Dict[str, Decimal]]:
    """Placed amount per account-slice key (it has no date, day or channel)."""
    d = Debt
    names = [n for n in b.q.by if n in PER_ACCOUNT_DIMENSIONS]
    sub = _Builder(b.s, ReportQuery(by=tuple(names), tier=b.q.tier, pack=b.q.pack,
                                    language=b.q.language, creditor=b.q.creditor,
                                    campaign=b.q.campaign))
    dims = sub.dims()
    stmt = (select(*dims, d.currency,
                   func.sum(d.principal).label("p"), func.sum(d.interest).label("i"),
                   func.sum(d.fees).label("f"))
            .select_from(sub.frm(d))
            .where(*sub.where()).group_by(*dims, d.currency))
    placed: Dict[Tuple, Dict[str, Decimal]] = defaultdict(dict)
    for row in sub.run(stmt):
        placed[sub.key(row)][row.currency] = sum(
            (sqlbits.money(b.dialect, v) for v in (row.p, row.i, row.f)), Decimal("0.00"))
    return placed


def _optouts(b: _Builder, out: Dict[Tuple, Dict[str, Any]]) -> None:
    o = OptOut
    dims = b.dims(o.at)
    stmt = (select(*dims, func.count(distinct(o.account_id)).label("accounts_opted_out"))
            .select_from(b.frm(o))
            .where(o.active.is_(True), *b.where(o.at)).group_by(*dims))
    _store(b, out, stmt, ("accounts_opted_out",))


def first_replies(dialect: str) -> Any:
    """Subquery: each handoff's first allowed agent reply (`handoff_id`, `first_reply_at`)."""
    e = EvidenceRecord
    hid = sqlbits.json_field(dialect, e.payload, "handoff_id")
    return (select(hid.label("handoff_id"), func.min(e.at).label("first_reply_at"))
            .where(e.kind == FIRST_REPLY_KIND,
                   sqlbits.json_field(dialect, e.payload, "status") == "allowed")
            .group_by(hid).subquery("first_reply"))


def _handoffs(b: _Builder, out: Dict[Tuple, Dict[str, Any]]) -> None:
    h, r = Handoff, HandoffRouting
    dims = b.dims(h.created_at)
    stmt = (select(*dims,
                   func.count(h.id).label("handoffs"),
                   _distinct_if(has_reason("complaint"), h.account_id).label("accounts_complaint"),
                   _distinct_if(has_reason("dispute"), h.account_id).label("accounts_dispute"),
                   _distinct_if(has_reason(REASON_NEGATIVE), h.account_id).label("accounts_angry"))
            .select_from(b.frm(h))
            .where(*b.where(h.created_at)).group_by(*dims))
    _store(b, out, stmt, ("handoffs", "accounts_complaint", "accounts_dispute", "accounts_angry"))
    stmt = (select(*dims, h.reason, func.count(h.id).label("n"))
            .select_from(b.frm(h))
            .where(*b.where(h.created_at)).group_by(*dims, h.reason))
    # grouped by the reason text (few distinct combinations), then split: each reason of a
    # handoff counts it once
    for row in b.run(stmt):
        by_reason = out[b.key(row)].setdefault("handoffs_by_reason", {})
        for reason in reasons_of(row.reason):
            by_reason[reason] = by_reason.get(reason, 0) + int(row.n)

    fr = first_replies(b.dialect)
    as_of = literal(b.q.as_of or clock.now(), UTCDateTime())
    joined = (b.frm(h)
              .outerjoin(r, r.handoff_id == h.id)
              .outerjoin(fr, fr.c.handoff_id == cast(h.id, String)))
    late = and_(r.due_at.isnot(None), func.coalesce(fr.c.first_reply_at, as_of) > r.due_at)
    stmt = (select(*dims, _count_if(late).label("sla_breaches")).select_from(joined)
            .where(*b.where(h.created_at)).group_by(*dims))
    _store(b, out, stmt, ("sla_breaches",))

    wait = sqlbits.seconds_between(b.dialect, fr.c.first_reply_at, h.created_at)
    parts = [c for c in dims]
    ranked = (select(*parts, wait.label("wait"),
                     func.row_number().over(partition_by=parts or None, order_by=wait).label("rn"),
                     func.count().over(partition_by=parts or None).label("n"))
              .select_from(joined)
              .where(fr.c.first_reply_at.isnot(None), *b.where(h.created_at)).subquery("ranked"))
    outer_dims = [ranked.c[f"d_{name}"] for name in b.q.by]
    middle = or_(ranked.c.rn == (ranked.c.n + 1) / 2, ranked.c.rn == (ranked.c.n + 2) / 2)
    stmt = (select(*outer_dims, func.sum(ranked.c.wait).label("total"),
                   func.count().label("k")).where(middle).group_by(*outer_dims))
    for row in b.run(stmt):
        if not row.k:  # no slices and no replied handoff: SUM over nothing
            continue
        median = Decimal(int(row.total)) / Decimal(int(row.k))
        out[b.key(row)]["median_first_reply_seconds"] = median.quantize(Decimal("0.1"))


def _campaign_sends(b: _Builder, out: Dict[Tuple, Dict[str, Any]]) -> None:
    """The ledger's own rows: campaign and step are the row's, not the account's enrolment."""
    cs = CampaignSend
    cols = {**b.dim_columns(cs.created_at, cs.channel), "campaign": cs.campaign,
            "step": cs.step_key}
    dims = [cols[name].label(f"d_{name}") for name in b.q.by]
    table = cs.__table__
    frm = table.join(Account.__table__, Account.account_id == table.c.account_id) \
        if b.needs_account else table
    stmt = (select(*dims, cs.status, func.count().label("n")).select_from(frm)
            .where(*b.where(cs.created_at)).group_by(*dims, cs.status))
    for row in b.run(stmt):
        out[b.key(row)].setdefault("campaign_sends_by_status", {})[row.status] = int(row.n)


def _derive(row: Dict[str, Any]) -> None:
    """The rates, from the counts already in `row` (their formulas are in METRICS)."""
    g = row.get
    row["right_party_contact_rate"] = rate(g("accounts_verified"), g("accounts_reached"))
    row["promise_rate"] = rate(g("accounts_promised"), g("accounts_reached"))
    kept, broken = g("promises_kept"), g("promises_broken")
    row["kept_rate"] = rate(kept, None if kept is None or broken is None else kept + broken)
    recovered, placed = g("amount_recovered"), g("placed_amount")
    row["recovery_rate"] = None if recovered is None or placed is None else {
        cur: rate(recovered.get(cur, Decimal("0.00")), amount) for cur, amount in placed.items()}
    row["opt_out_rate"] = rate(g("accounts_opted_out"), g("accounts_contacted"))
    row["complaint_rate"] = rate(g("accounts_complaint"), g("accounts_reached"))
    row["dispute_rate"] = rate(g("accounts_dispute"), g("accounts_reached"))
    row["angry_rate"] = rate(g("accounts_angry"), g("accounts_reached"))
    by_reason = g("handoffs_by_reason")
    row["handoff_rate_by_reason"] = None if by_reason is None else {
        reason: rate(n, g("accounts_reached")) for reason, n in by_reason.items()}
    row["delivery_failure_rate"] = rate(g("delivery_failures"), g("outbound_attempts"))


# Facts present in every row (0 or {}) when the fact applies to the report's slices.
# name -> (function, has a time, has a contact channel, its counts, its keyed metrics);
# every row gets 0 / {} for them when the fact applies to the report's slices.
FACTS: Dict[str, Tuple[Any, bool, bool, Tuple[str, ...], Tuple[str, ...]]] = {
    "contact_volumes": (_contact_volumes, True, True, (
        "outbound_attempts", "delivery_failures", "gate_blocked", "gate_deferred"), ()),
    "contact_accounts": (_contact_accounts, True, True, (
        "accounts_contacted", "accounts_reached"), ()),
    "gate_rules": (_gate_rules, True, True, (), ("gate_blocked_by_rule", "gate_deferred_by_rule")),
    "verifications": (_verifications, True, False, ("accounts_verified",), ()),
    "arrangements": (_arrangements, True, False, (
        "accounts_promised", "promises_made", "promises_kept", "promises_broken",
        "plans_accepted", "plans_broken"), ("amount_promised",)),
    "payments": (_payments, True, False, ("accounts_paid",), ("amount_recovered",)),
    "optouts": (_optouts, True, False, ("accounts_opted_out",), ()),
    "handoffs": (_handoffs, True, False, (
        "handoffs", "accounts_complaint", "accounts_dispute", "accounts_angry", "sla_breaches"),
        ("handoffs_by_reason",)),
    "campaign_sends": (_campaign_sends, True, True, (), ("campaign_sends_by_status",)),
}


def compute(s: Session, q: ReportQuery, facts: Optional[Sequence[str]] = None) -> Report:
    """Every metric for every slice combination present in the data, sorted by slice.

    `facts` limits the work to some of FACTS (the dashboard's daily trend needs only a few);
    the metrics of facts not computed are None."""
    b = _Builder(s, q)
    out: Dict[Tuple, Dict[str, Any]] = defaultdict(dict)
    applied = []
    for name, (fn, has_time, has_channel, counts, keyed) in FACTS.items():
        if (facts is None or name in facts) and b.applies(has_time, has_channel):
            fn(b, out)
            applied.append((counts, keyed))
    if not q.by:
        out[()]  # noqa: B018 - a report without slices always has its one row
    placed = _placed(b) if "channel" not in q.by and (facts is None or "payments" in facts) \
        else None
    account_idx = [i for i, name in enumerate(q.by) if name in PER_ACCOUNT_DIMENSIONS]
    rows = []
    for key in sorted(out, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        values = out[key]
        for counts, keyed in applied:
            for name in counts:
                values.setdefault(name, 0)
            for name in keyed:
                values.setdefault(name, {})
        if placed is not None:
            values["placed_amount"] = placed.get(tuple(key[i] for i in account_idx), {})
        values.setdefault("median_first_reply_seconds", None)
        _derive(values)
        row: Dict[str, Any] = {name: key[i] for i, name in enumerate(q.by)}
        row.update({name: values.get(name) for name in METRIC_NAMES})
        rows.append(row)
    return Report(q, rows)
