"""The supervisors' KPI dashboard: a sanic blueprint at /console/dashboard.

It uses the console's login and role check (`bot.console.web.login_required`) and extends the
console's page layout, so it is one more console page rather than a second site. Every figure
comes from `bot.reports.metrics` (the same numbers as `collectbot report`, which
`/console/dashboard/report.json` returns for the page's filters), and every figure links to
the rows behind it (`/console/dashboard/rows.csv`). Charts are inline SVG drawn here.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlencode

from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import select

from bot import clock
from bot.console import i18n
from bot.console.agents import AgentView
from bot.console.web import PREFIX as CONSOLE_PREFIX
from bot.console.web import login_required
from bot.reports import alerts, rows, svg
from bot.reports.metrics import ReportQuery, compute
from bot.store.db import session_scope
from bot.store.models import CampaignSend

PREFIX = f"{CONSOLE_PREFIX}/dashboard"
DEFAULT_DAYS = 30
FILTERS = ("tier", "campaign", "language")

_env = Environment(loader=ChoiceLoader([PackageLoader("bot.reports", "templates"),
                                        PackageLoader("bot.console", "templates")]),
                   autoescape=select_autoescape(["html"]))

# headline figure -> (label, the metric whose rows are behind it)
HEADLINES: Tuple[Tuple[str, str, str], ...] = (
    ("accounts_contacted", "Accounts contacted", "accounts_contacted"),
    ("accounts_reached", "Accounts reached", "accounts_reached"),
    ("right_party_contact_rate", "Right-party contact rate", "accounts_verified"),
    ("promise_rate", "Promise rate", "accounts_promised"),
    ("kept_rate", "Kept rate", "promises_kept"),
    ("amount_promised", "Amount promised", "amount_promised"),
    ("amount_recovered", "Amount recovered", "amount_recovered"),
    ("recovery_rate", "Recovery rate (on placed)", "amount_recovered"),
    ("plans_accepted", "Plans accepted", "plans_accepted"),
    ("plans_broken", "Plans broken", "plans_broken"),
    ("opt_out_rate", "Opt-out rate", "accounts_opted_out"),
    ("complaint_rate", "Complaint rate", "accounts_complaint"),
    ("dispute_rate", "Dispute rate", "accounts_dispute"),
    ("angry_rate", "Angry-message handoff rate", "accounts_angry"),
    ("delivery_failure_rate", "Delivery failure rate", "delivery_failures"),
    ("median_first_reply_seconds", "Median first agent reply (s)", "handoffs"),
    ("sla_breaches", "SLA breaches", "handoffs"),
)
FUNNEL = (("accounts_contacted", "contacted"), ("accounts_verified", "verified"),
          ("accounts_promised", "promised"), ("promises_kept", "kept"), ("accounts_paid", "paid"))
# Daily volumes: cheap to slice by day (no distinct-account pass over every contact), and
# each equals `collectbot report --by day` for that metric.
TREND = (("outbound_attempts", "attempts"), ("delivery_failures", "failed"),
         ("gate_blocked", "blocked"), ("promises_made", "promises"), ("accounts_paid", "payers"))
TREND_FACTS = ("contact_volumes", "arrangements", "payments")


def parse_query(args: Dict[str, str], today: date) -> ReportQuery:
    """The page's filters (default: the last 30 days to today); ValueError on bad input."""
    def day(name: str) -> Optional[date]:
        value = (args.get(name) or "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name}: {value!r} is not a date like 2026-11-30") from None

    end = day("to") or today
    start = day("from") or end - timedelta(days=DEFAULT_DAYS - 1)
    picked = {name: (args.get(name) or "").strip() or None for name in FILTERS}
    return ReportQuery(start=start, end=end, **picked)


def _link(q: ReportQuery, metric: str, **extra: str) -> str:
    params = {"metric": metric, "from": q.start.isoformat(), "to": q.end.isoformat(),
              **{k: getattr(q, k) for k in FILTERS if getattr(q, k)}, **extra}
    return f"{PREFIX}/rows.csv?{urlencode(params)}"


def _days(q: ReportQuery) -> List[str]:
    return [(q.start + timedelta(days=i)).isoformat() for i in range((q.end - q.start).days + 1)]


def view(s: Any, q: ReportQuery) -> Dict[str, Any]:
    """Everything the page shows, computed once."""
    total = compute(s, q)
    head = total.as_json()["rows"][0]
    by_day = {r["day"]: r for r in compute(s, replace(q, by=("day",)), facts=TREND_FACTS).rows}
    days = _days(q)
    trend = svg.line_chart(days, {label: [by_day.get(d, {}).get(name) or 0 for d in days]
                                  for name, label in TREND}, title="trend by day")
    funnel = svg.bars([(label, head[name] or 0, _link(q, name)) for name, label in FUNNEL],
                      width=900, title="funnel")
    rules = [(f"blocked: {rule}", n, _link(q, "gate_blocked"))
             for rule, n in sorted(head["gate_blocked_by_rule"].items())]
    rules += [(f"deferred: {rule}", n, _link(q, "gate_deferred"))
              for rule, n in sorted(head["gate_deferred_by_rule"].items())]
    reasons = [(reason, n, _link(q, "handoffs", reason=reason))
               for reason, n in sorted(head["handoffs_by_reason"].items())]
    sends = [(status, n, None) for status, n in sorted(head["campaign_sends_by_status"].items())]
    campaigns = list(s.execute(select(CampaignSend.campaign).distinct()
                               .order_by(CampaignSend.campaign)).scalars())
    headlines = [(name, label, head[name], _link(q, drill)) for name, label, drill in HEADLINES]
    return {"q": q, "head": head, "headlines": headlines, "trend": trend, "funnel": funnel,
            "rules": svg.bars(rules, title="gate decisions by rule") if rules else None,
            "reasons": svg.bars(reasons, title="handoffs by reason") if reasons else None,
            "sends": svg.bars(sends, title="campaign sends by status") if sends else None,
            "alerts": alerts.listed(s, q.start, q.end), "campaigns": campaigns,
            "json_link": f"{PREFIX}/report.json?" + urlencode(
                {"from": q.start.isoformat(), "to": q.end.isoformat(),
                 **{k: getattr(q, k) for k in FILTERS if getattr(q, k)}})}


def _page(body: str, status: int = 200, content_type: str = "text/html; charset=utf-8",
          headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    resp = response.text(body, status=status, content_type=content_type)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def dashboard_blueprint() -> Blueprint:
    bp = Blueprint("collectbot_dashboard", url_prefix=PREFIX)

    def query_or_400(request: Request) -> ReportQuery:
        return parse_query({k: request.args.get(k, "") for k in ("from", "to") + FILTERS},
                           clock.now().date())

    @bp.route("/", methods=["GET"], strict_slashes=False)
    @login_required(supervisor=True)
    async def page(request: Request, agent: AgentView, csrf: str) -> HTTPResponse:
        try:
            q = query_or_400(request)
        except ValueError as exc:
            return _page(str(exc), status=400, content_type="text/plain; charset=utf-8")
        lang = request.args.get("lang") if request.args.get("lang") in ("en", "zh") else \
            (agent.languages[0] if agent.languages else "en")
        with session_scope() as s:
            context = view(s, q)
        html = _env.get_template("dashboard.html").render(
            t=i18n.translator(lang), lang=lang, agent=agent, csrf=csrf, prefix=CONSOLE_PREFIX,
            dashboard=PREFIX, **context)
        return _page(html)

    @bp.route("/report.json", methods=["GET"])
    @login_required(supervisor=True)
    async def report_json(request: Request, agent: AgentView, csrf: str) -> HTTPResponse:
        try:
            q = query_or_400(request)
        except ValueError as exc:
            return response.json({"error": str(exc)}, status=400)
        with session_scope() as s:
            body = compute(s, q).as_json()
        return _page(json.dumps(body, ensure_ascii=False), content_type="application/json")

    @bp.route("/rows.csv", methods=["GET"])
    @login_required(supervisor=True)
    async def rows_csv(request: Request, agent: AgentView, csrf: str) -> HTTPResponse:
        metric = request.args.get("metric", "")
        out = io.StringIO()
        try:
            q = query_or_400(request)
            with session_scope() as s:
                rows.write_csv(s, metric, q, out, reason=request.args.get("reason") or None)
        except ValueError as exc:
            return _page(str(exc), status=400, content_type="text/plain; charset=utf-8")
        name = f"{metric}_{q.start}_{q.end}.csv"
        return _page(out.getvalue(), content_type="text/csv; charset=utf-8",
                     headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return bp
