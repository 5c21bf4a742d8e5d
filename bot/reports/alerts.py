"""Early warning: a day whose complaints, opt-outs, angry-message handoffs, gate blocks or
delivery failures cross a configured threshold raises an alert, at one of the source plan's
four levels.

Thresholds come from `COLLECTBOT_ALERT_THRESHOLDS` (`name=value,...`, per UTC day; the
defaults below when unset). The level says how far over the line the day is:
red >= 4x the threshold, orange >= 2x, yellow >= 1.5x, blue >= 1x. Alerts are written to the
evidence log (kind `report.alert`), so they are tamper-evident and need no table of their
own; a (day, metric) already alerted at the same or a higher level is not written again,
and a higher level later is written as a new record (an escalation).

The angry-message signal is the cheapest honest one stored: handoffs the dialogue made for
negative emotion (`accounts_angry`, `angry_rate` in `bot.reports.metrics`). A single angry
message that did not complete the streak is not stored anywhere, so it is not counted.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.reports.metrics import ReportQuery, compute
from bot.store import evidence
from bot.store.models import EvidenceRecord

KIND = "report.alert"
# alert name -> the daily metric it watches
WATCHED: Dict[str, str] = {
    "complaints": "accounts_complaint",
    "disputes": "accounts_dispute",
    "opt_outs": "accounts_opted_out",
    "gate_blocks": "gate_blocked",
    "delivery_failures": "delivery_failures",
    "delivery_failure_rate": "delivery_failure_rate",
    "angry": "accounts_angry",
    "angry_rate": "angry_rate",
}
DEFAULT_THRESHOLDS = ("complaints=3,opt_outs=5,gate_blocks=50,delivery_failure_rate=0.2,"
                      "angry_rate=0.05")
# A rate on a handful of cases is noise: a rate alert needs this much in its denominator.
MIN_RATE_BASE = 20
RATE_BASE = {"delivery_failure_rate": "outbound_attempts", "angry_rate": "accounts_reached"}
LEVELS = (("red", Decimal(4)), ("orange", Decimal(2)), ("yellow", Decimal("1.5")),
          ("blue", Decimal(1)))
RANK = {name: i for i, (name, _) in enumerate(reversed(LEVELS))}  # blue 0 .. red 3


@dataclass(frozen=True)
class Alert:
    day: str
    metric: str
    value: str
    threshold: str
    level: str


def parse_thresholds(text: str) -> Dict[str, Decimal]:
    """`complaints=3,opt_outs=5` -> {name: Decimal}; ValueError names the bad part."""
    out: Dict[str, Decimal] = {}
    for part in filter(None, (p.strip() for p in (text or DEFAULT_THRESHOLDS).split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in WATCHED:
            raise ValueError(f"alert threshold {part!r}: use name=value with name one of "
                             f"{', '.join(WATCHED)}")
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"alert threshold {part!r}: {value.strip()!r} is not a number") from None
        if number <= 0:
            raise ValueError(f"alert threshold {part!r}: must be positive")
        out[name] = number
    return out


def level_for(value: Decimal, threshold: Decimal) -> Optional[str]:
    for name, factor in LEVELS:
        if value >= threshold * factor:
            return name
    return None


def evaluate(s: Session, start: Optional[date], end: Optional[date],
             thresholds: Dict[str, Decimal]) -> List[Alert]:
    """The alerts the days in [start, end] deserve (nothing is written)."""
    report = compute(s, ReportQuery(start=start, end=end, by=("day",)))
    found = []
    for row in report.rows:
        for name, threshold in sorted(thresholds.items()):
            value = row.get(WATCHED[name])
            if value is None:
                continue
            if name in RATE_BASE and (row.get(RATE_BASE[name]) or 0) < MIN_RATE_BASE:
                continue
            level = level_for(Decimal(value), threshold)
            if level is not None:
                found.append(Alert(row["day"], name, str(value), str(threshold), level))
    return found


def listed(s: Session, start: Optional[date] = None, end: Optional[date] = None) -> List[Alert]:
    """Alerts in the evidence log for days in [start, end], in the order they were raised."""
    out = []
    for payload in s.execute(select(EvidenceRecord.payload).where(EvidenceRecord.kind == KIND)
                             .order_by(EvidenceRecord.seq)).scalars():
        alert = Alert(**json.loads(payload))
        if (start and alert.day < start.isoformat()) or (end and alert.day > end.isoformat()):
            continue
        out.append(alert)
    return out


def check(s: Session, start: Optional[date], end: Optional[date],
          thresholds: Dict[str, Decimal]) -> List[Alert]:
    """Evaluate the days and write the new (or escalated) alerts to the evidence log."""
    best: Dict[tuple, int] = {}
    for a in listed(s):
        best[(a.day, a.metric)] = max(best.get((a.day, a.metric), -1), RANK[a.level])
    written = []
    for alert in evaluate(s, start, end, thresholds):
        if RANK[alert.level] <= best.get((alert.day, alert.metric), -1):
            continue
        evidence.append(s, KIND, None, asdict(alert))
        best[(alert.day, alert.metric)] = RANK[alert.level]
        written.append(alert)
    return written
