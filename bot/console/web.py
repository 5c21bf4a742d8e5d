"""The console's HTTP side: a sanic blueprint at /console/ with Jinja2 pages.

Every route but the login page needs a live session; every POST needs the session's CSRF
token (the login form uses a double-submit cookie, as there is no session yet); routes
that act on a handoff check that it is in the agent's queues (supervisors: all queues).
Pages are plain server-rendered HTML; a ten-line script polls `/console/poll` twice a
second and swaps the live part of the page when something changed.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import wraps
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

from jinja2 import Environment, PackageLoader, select_autoescape
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import func, select

from bot.console import agents, i18n, routing, sessions, work
from bot.store.db import session_scope
from bot.store.models import ContactAttempt

LOGIN_CSRF_COOKIE = "collectbot_console_login"
LANG_COOKIE = "collectbot_console_lang"
#: Sent by the page's own refreshes: they do not count as activity (see sessions.resume).
POLL_HEADER = "X-Console-Poll"
PREFIX = "/console"

_env = Environment(loader=PackageLoader("bot.console", "templates"),
                   autoescape=select_autoescape(["html"]))

Handler = Callable[..., Awaitable[HTTPResponse]]


def _lang(request: Request, agent: Optional[agents.AgentView] = None) -> str:
    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in ("en", "zh"):
        return chosen
    return agent.languages[0] if agent is not None and agent.languages else "en"


def render(request: Request, template: str, *, status: int = 200,
           agent: Optional[agents.AgentView] = None, **context: Any) -> HTTPResponse:
    lang = _lang(request, agent)
    body = _env.get_template(template).render(
        t=i18n.translator(lang), why=lambda rule: i18n.why(rule, lang),
        reason=lambda name: i18n.reason(name, lang), lang=lang,
        agent=agent, prefix=PREFIX, **context)
    resp = response.html(body, status=status)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"
    if request.args.get("lang") in ("en", "zh"):
        set_cookie(resp, request, LANG_COOKIE, request.args.get("lang"))
    return resp


def set_cookie(resp: HTTPResponse, request: Request, name: str, value: str,
               max_age: Optional[int] = None) -> None:
    """A console cookie: path /console, HttpOnly, SameSite=Strict, Secure over https."""
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["path"] = PREFIX
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    if request.scheme == "https":
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


def login_required(*, supervisor: bool = False) -> Callable[[Handler], Handler]:
    """Resolve the session (else redirect to login / 401), check CSRF on POST and the role."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            automatic = request.path.endswith("/poll") or POLL_HEADER in request.headers
            with session_scope() as s:
                found = sessions.resume(s, request.cookies.get(sessions.COOKIE),
                                        touch=not automatic)
            if found is None:
                if request.method == "GET" and not request.path.endswith("/poll"):
                    return response.redirect(f"{PREFIX}/login", status=303)
                return response.text("login required", status=401)
            agent, csrf = found
            if request.method == "POST" and not sessions.csrf_ok(csrf, request.form.get("csrf")):
                return response.text("invalid CSRF token", status=403)
            if supervisor and not agent.supervisor:
                return response.text("supervisors only", status=403)
            return await handler(request, agent, csrf, *args, **kwargs)

        return wrapped

    return decorate


def _detail(request: Request, agent: agents.AgentView, csrf: str, handoff_id: int, *,
            status: int = 200, **extra: Any) -> HTTPResponse:
    """The handoff page (summary, transcript, forms); 404 when outside the agent's queues."""
    with session_scope() as s:
        try:
            opened = work.open_handoff(s, agent, handoff_id)
        except work.WorkError as exc:
            return response.text(str(exc), status=404)
        transcript = work.view_transcript(s, agent, opened)
        summary = work.summary(s, opened)
        item = routing.QueueItem(opened.handoff, opened.routing, opened.account)
        others = [a for a in routing.online_agents(s) if routing.matches(a, opened.routing)] \
            if agent.supervisor else []
        page = render(request, "handoff.html", status=status, agent=agent, csrf=csrf,
                      item=item, summary=summary, transcript=transcript, others=others,
                      poll=f"{PREFIX}/poll?h={handoff_id}", page=f"{PREFIX}/handoffs/{handoff_id}",
                      **extra)
    return page


def console_blueprint() -> Blueprint:
    """The /console/ routes; agents' replies leave through the SMS channel's outbox sender."""
    bp = Blueprint("collectbot_console", url_prefix=PREFIX)

    @bp.route("/", methods=["GET"], strict_slashes=False)
    async def index(request: Request) -> HTTPResponse:
        return response.redirect(f"{PREFIX}/queue", status=303)

    @bp.route("/login", methods=["GET"])
    async def login_form(request: Request) -> HTTPResponse:
        token = secrets.token_urlsafe(24)
        resp = render(request, "login.html", csrf=token, error=False)
        set_cookie(resp, request, LOGIN_CSRF_COOKIE, token)
        return resp

    @bp.route("/login", methods=["POST"])
    async def login(request: Request) -> HTTPResponse:
        if not sessions.csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), request.form.get("csrf")):
            return response.text("invalid CSRF token", status=403)
        with session_scope() as s:
            agent = agents.authenticate(s, request.form.get("name", ""),
                                        request.form.get("password", ""))
            token = sessions.start(s, agent) if agent is not None else None
            if agent is not None:
                routing.assign_pending(s)
        if agent is None or token is None:
            return render(request, "login.html", status=401,
                          csrf=request.cookies.get(LOGIN_CSRF_COOKIE), error=True)
        resp = response.redirect(f"{PREFIX}/queue", status=303)
        set_cookie(resp, request, sessions.COOKIE, token)
        set_cookie(resp, request, LOGIN_CSRF_COOKIE, "", max_age=0)
        return resp

    @bp.route("/logout", methods=["POST"])
    @login_required()
    async def logout(request: Request, agent: agents.AgentView, csrf: str) -> HTTPResponse:
        with session_scope() as s:
            sessions.end(s, request.cookies.get(sessions.COOKIE), agent)
        resp = response.redirect(f"{PREFIX}/login", status=303)
        set_cookie(resp, request, sessions.COOKIE, "", max_age=0)
        return resp

    @bp.route("/queue", methods=["GET"])
    @login_required()
    async def queue(request: Request, agent: agents.AgentView, csrf: str) -> HTTPResponse:
        with session_scope() as s:
            items = routing.visible_queue(s, agent)
            return render(request, "queue.html", agent=agent, csrf=csrf, items=items,
                          queues=routing.queue_counts(items) if agent.supervisor else [],
                          poll=f"{PREFIX}/poll", page=f"{PREFIX}/queue")

    @bp.route("/poll", methods=["GET"])
    @login_required()
    async def poll(request: Request, agent: agents.AgentView, csrf: str) -> HTTPResponse:
        """A fingerprint of what the agent's page shows; the page reloads its live part on change."""
        with session_scope() as s:
            items = routing.visible_queue(s, agent)
            parts = [f"{i.handoff.id}:{i.handoff.status}:{i.handoff.agent}:{i.breached}" for i in items]
            handoff_id = request.args.get("h", "")
            if handoff_id.isdigit():
                try:
                    opened = work.open_handoff(s, agent, int(handoff_id))
                except work.WorkError:
                    return response.json({"error": "not in your queues"}, status=404)
                last = s.execute(select(func.max(ContactAttempt.id)).where(
                    ContactAttempt.account_id == opened.account.account_id)).scalar()
                parts.append(f"c{last}:{opened.handoff.status}:{opened.handoff.agent}")
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
        return response.json({"version": digest, "open": len(items)})

    @bp.route("/handoffs/<handoff_id:int>", methods=["GET"])
    @login_required()
    async def detail(request: Request, agent: agents.AgentView, csrf: str,
                     handoff_id: int) -> HTTPResponse:
        return _detail(request, agent, csrf, handoff_id)

    async def act(request: Request, agent: agents.AgentView, csrf: str, handoff_id: int,
                  step: Callable[[Any], Dict[str, Any]]) -> HTTPResponse:
        """Run a synchronous step in one transaction; show its outcome on the handoff page."""
        try:
            with session_scope() as s:
                extra = step(s)
        except work.WorkError as exc:
            return _detail(request, agent, csrf, handoff_id, status=409, error=str(exc))
        return _detail(request, agent, csrf, handoff_id, **extra)

    @bp.route("/handoffs/<handoff_id:int>/claim", methods=["POST"])
    @login_required()
    async def claim(request: Request, agent: agents.AgentView, csrf: str,
                    handoff_id: int) -> HTTPResponse:
        return await act(request, agent, csrf, handoff_id,
                         lambda s: (work.claim(s, agent, handoff_id), {})[1])

    @bp.route("/handoffs/<handoff_id:int>/reply", methods=["POST"])
    @login_required()
    async def reply(request: Request, agent: agents.AgentView, csrf: str,
                    handoff_id: int) -> HTTPResponse:
        try:
            result = await work.reply(agent, handoff_id, request.form.get("text", ""))
        except work.WorkError as exc:
            return _detail(request, agent, csrf, handoff_id, status=409, error=str(exc))
        status = 200 if result.status == "sent" else 422 if result.status in ("blocked", "deferred") else 502
        return _detail(request, agent, csrf, handoff_id, status=status, reply=result,
                       draft="" if result.status == "sent" else request.form.get("text", ""))

    @bp.route("/handoffs/<handoff_id:int>/arrangement", methods=["POST"])
    @login_required()
    async def arrangement(request: Request, agent: agents.AgentView, csrf: str,
                          handoff_id: int) -> HTTPResponse:
        form = {k: request.form.get(k, "") for k in ("kind", "months", "amount", "on")}
        try:
            with session_scope() as s:
                result = work.record_arrangement(s, agent, handoff_id, form)
        except work.WorkError as exc:
            return _detail(request, agent, csrf, handoff_id, status=409, error=str(exc))
        return _detail(request, agent, csrf, handoff_id, status=200 if result.accepted else 422,
                       arrangement=result)

    def form_action(path: str, fields: Tuple[str, ...],
                    step: Callable[[Any, agents.AgentView, int, Dict[str, str]], Dict[str, Any]]) -> None:
        """POST /handoffs/<id>/<path>: `fields` of the form handed to `step` in one transaction."""

        @login_required()
        async def handler(request: Request, agent: agents.AgentView, csrf: str,
                          handoff_id: int) -> HTTPResponse:
            form = {k: request.form.get(k, "") for k in fields}
            return await act(request, agent, csrf, handoff_id, lambda s: step(s, agent, handoff_id, form))

        bp.add_route(handler, f"/handoffs/<handoff_id:int>/{path}", methods=["POST"], name=f"handoff_{path}")

    # issue 13: the verification sent for a disputed debt lifts the dispute; contact-at-work flags
    form_action("verification", ("method", "note"),
                lambda s, agent, hid, form: {"verified_debt": work.record_verification(s, agent, hid, form)})
    form_action("workplace", ("work_phone", "employer_prohibits"),
                lambda s, agent, hid, form: (work.set_workplace(s, agent, hid, form), {"workplace": True})[1])

    @bp.route("/handoffs/<handoff_id:int>/close", methods=["POST"])
    @login_required()
    async def close(request: Request, agent: agents.AgentView, csrf: str,
                    handoff_id: int) -> HTTPResponse:
        outcome, note = request.form.get("outcome", ""), request.form.get("note", "")
        return await act(request, agent, csrf, handoff_id,
                         lambda s: (work.close(s, agent, handoff_id, outcome, note),
                                    {"closed": True})[1])

    @bp.route("/handoffs/<handoff_id:int>/reassign", methods=["POST"])
    @login_required(supervisor=True)
    async def reassign(request: Request, agent: agents.AgentView, csrf: str,
                       handoff_id: int) -> HTTPResponse:
        target = request.form.get("agent") or None

        def step(s: Any) -> Dict[str, Any]:
            opened = work.open_handoff(s, agent, handoff_id)
            try:
                routing.reassign(s, opened.handoff, target, agent)
            except ValueError as exc:
                raise work.WorkError(str(exc)) from None
            return {}

        return await act(request, agent, csrf, handoff_id, step)

    return bp
