"""An independent recomputation of the report from `collectbot export` output and the
portfolio CSV, in plain Python, written from the formulas in the metric docs (it imports
nothing from bot.reports), so a test can demand exact agreement with the SQL report."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

ACCOUNT_DIMS = ("tier", "pack", "language", "creditor")
CONTACTED = {"sent", "delivered", "answered", "voicemail"}
ATTEMPTED = {"sent", "delivered", "failed", "answered", "voicemail", "no_answer"}


def _rate(n: Any, d: Any) -> Optional[str]:
    if n is None or d is None or Decimal(d) == 0:
        return None
    return str((Decimal(n) / Decimal(d)).quantize(Decimal("0.0001"), ROUND_HALF_EVEN))


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def expected(exports: Dict[str, List[Dict[str, Any]]], accounts: List[Dict[str, str]],
             start: Optional[date], end: Optional[date], by: Sequence[str],
             filters: Dict[str, str], as_of: datetime,
             only: Optional[Set[str]] = None,
             ledger: Optional[Dict[str, Set[Tuple[str, str]]]] = None,
             ) -> Dict[Tuple, Dict[str, Any]]:
    """`ledger`: each account's (campaign, step_key) pairs, for campaign and step slices."""
    acc = {a["account_id"]: {"tier": a["risk_tier"], "pack": a["pack"], "language": a["language"],
                             "creditor": a["creditor"] or "", "currency": a["currency"],
                             "placed": sum(Decimal(a[k] or "0") for k in ("principal", "interest", "fees"))}
           for a in accounts}
    keep = {aid for aid, a in acc.items() if all(a[k] == v for k, v in filters.items())
            and (only is None or aid in only)}

    def in_range(at: datetime) -> bool:
        d = at.date()
        return (start is None or d >= start) and (end is None or d <= end)

    def enrolments(aid: str) -> List[Dict[str, str]]:
        if not any(b in ("campaign", "step") for b in by):
            return [{}]
        return [{"campaign": name, "step": step}
                for name, step in sorted((ledger or {}).get(aid, set()))]

    def keys_of(aid: str, at: Optional[datetime], channel: Optional[str],
                enrol: bool = True) -> List[Tuple]:
        out = set()
        for enrolled in enrolments(aid) if enrol else [{"campaign": "", "step": ""}]:
            k = []
            for b in by:
                if b == "day":
                    k.append(at.date().isoformat())
                elif b == "week":
                    k.append((at.date() - timedelta(days=at.date().weekday())).isoformat())
                elif b == "channel":
                    if channel is None:
                        return []
                    k.append(channel)
                elif b in enrolled:
                    k.append(enrolled[b])
                else:
                    k.append(acc[aid][b])
            out.add(tuple(k))
        return sorted(out)

    groups: Dict[str, Dict[Tuple, List[Dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for kind, time_field, has_channel in (("contacts", "at", True), ("verifications", "at", False),
                                          ("arrangements", "created_at", False),
                                          ("payments", "paid_at", False), ("optouts", "at", False),
                                          ("handoff_times", "created_at", False),
                                          ("campaign_sends", "created_at", True)):
        groups[kind]  # noqa: B018 - present even when empty
        for row in exports[kind]:
            at = _at(row[time_field])
            if row["account_id"] not in keep or not in_range(at):
                continue
            if kind == "campaign_sends":  # sliced by its own campaign and step
                own = {"campaign": row["campaign"], "step": row["step_key"]}
                k = tuple(own[b] if b in own else
                          keys_of(row["account_id"], at, row["channel"], enrol=False)[0][i]
                          for i, b in enumerate(by))
                groups[kind][k].append(row)
                continue
            for k in keys_of(row["account_id"], at, row["channel"] if has_channel else None):
                groups[kind][k].append(row)
    channel_sliced = "channel" in by
    keys = set()
    for rows in groups.values():
        keys |= set(rows)
    if not by:
        keys.add(())

    result = {}
    for k in keys:
        c = groups["contacts"].get(k, [])
        out = [r for r in c if r["direction"] == "outbound"]
        row: Dict[str, Any] = dict(zip(by, k))
        row["accounts_contacted"] = len({r["account_id"] for r in out if r["status"] in CONTACTED})
        reached = len({r["account_id"] for r in c
                       if (r["direction"] == "outbound" and r["status"] in ("delivered", "answered"))
                       or (r["direction"] == "inbound" and r["status"] == "received")})
        row["accounts_reached"] = reached
        row["outbound_attempts"] = sum(r["status"] in ATTEMPTED for r in out)
        row["delivery_failures"] = sum(r["status"] == "failed" for r in out)
        row["gate_blocked"] = sum(r["status"] == "blocked" for r in c)
        row["gate_deferred"] = sum(r["status"] == "deferred" for r in c)
        for status in ("blocked", "deferred"):
            counts: Dict[str, int] = defaultdict(int)
            for r in c:
                if r["status"] == status:
                    for rule in {reason.split(":")[0].strip() for reason in r["reasons"]}:
                        counts[rule] += 1
            row[f"gate_{status}_by_rule"] = dict(counts)
        row["delivery_failure_rate"] = _rate(row["delivery_failures"], row["outbound_attempts"])
        sends: Dict[str, int] = defaultdict(int)
        for r in groups["campaign_sends"].get(k, []):
            sends[r["status"]] += 1
        row["campaign_sends_by_status"] = dict(sends)
        if channel_sliced:
            result[k] = row
            continue
        v = groups["verifications"].get(k, [])
        row["accounts_verified"] = len({r["account_id"] for r in v})
        a = [r for r in groups["arrangements"].get(k, []) if r["status"] != "proposed"]
        row["accounts_promised"] = len({r["account_id"] for r in a})
        row["promises_made"] = len(a)
        row["promises_kept"] = sum(r["status"] == "kept" for r in a)
        row["promises_broken"] = sum(r["status"] == "broken" for r in a)
        row["plans_accepted"] = sum(r["kind"] == "plan" for r in a)
        row["plans_broken"] = sum(r["kind"] == "plan" and r["status"] == "broken" for r in a)
        promised: Dict[str, Decimal] = defaultdict(Decimal)
        for r in a:
            promised[r["currency"]] += Decimal(r["total"])
        row["amount_promised"] = {cur: str(v) for cur, v in promised.items()}
        p = groups["payments"].get(k, [])
        row["accounts_paid"] = len({r["account_id"] for r in p})
        recovered: Dict[str, Decimal] = defaultdict(Decimal)
        for r in p:
            recovered[r["currency"]] += Decimal(r["amount"])
        row["amount_recovered"] = {cur: str(v) for cur, v in recovered.items()}
        placed: Dict[str, Decimal] = defaultdict(Decimal)
        for aid in keep:
            if all(acc[aid][b] == k[i] for i, b in enumerate(by) if b in ACCOUNT_DIMS) and any(
                    all(e[b] == k[i] for i, b in enumerate(by) if b in e) for e in enrolments(aid)):
                placed[acc[aid]["currency"]] += acc[aid]["placed"]
        row["placed_amount"] = {cur: str(v.quantize(Decimal("0.01"))) for cur, v in placed.items()}
        row["recovery_rate"] = {cur: _rate(recovered.get(cur, 0), v) for cur, v in placed.items()}
        o = groups["optouts"].get(k, [])
        row["accounts_opted_out"] = len({r["account_id"] for r in o})
        h = groups["handoff_times"].get(k, [])
        row["handoffs"] = len(h)
        row["accounts_complaint"] = len({r["account_id"] for r in h
                                         if "complaint" in r["reason"].split(",")})
        row["accounts_dispute"] = len({r["account_id"] for r in h
                                       if "dispute" in r["reason"].split(",")})
        # the escalation policy's reason after three negative-emotion messages in a row
        row["accounts_angry"] = len({r["account_id"] for r in h
                                     if "negative_emotion" in r["reason"].split(",")})
        by_reason: Dict[str, int] = defaultdict(int)
        for r in h:  # each of a handoff's comma-separated reasons counts it once
            for reason in set(r["reason"].split(",")):
                by_reason[reason] += 1
        row["handoffs_by_reason"] = dict(by_reason)
        row["handoff_rate_by_reason"] = {reason: _rate(n, reached) for reason, n in by_reason.items()}
        row["sla_breaches"] = sum(
            r["due_at"] is not None
            and (_at(r["first_reply_at"]) if r["first_reply_at"] else as_of) > _at(r["due_at"])
            for r in h)
        waits = [round((_at(r["first_reply_at"]) - _at(r["created_at"])).total_seconds())
                 for r in h if r["first_reply_at"]]
        row["median_first_reply_seconds"] = (
            str(Decimal(str(statistics.median(waits))).quantize(Decimal("0.1"))) if waits else None)
        row["right_party_contact_rate"] = _rate(row["accounts_verified"], reached)
        row["promise_rate"] = _rate(row["accounts_promised"], reached)
        row["kept_rate"] = _rate(row["promises_kept"], row["promises_kept"] + row["promises_broken"])
        row["opt_out_rate"] = _rate(row["accounts_opted_out"], row["accounts_contacted"])
        row["complaint_rate"] = _rate(row["accounts_complaint"], reached)
        row["dispute_rate"] = _rate(row["accounts_dispute"], reached)
        row["angry_rate"] = _rate(row["accounts_angry"], reached)
        result[k] = row
    return result
