"""A local stand-in for Twilio's REST API, for tests, the demo and the benchmark.

It records every `Messages.json` / `Calls.json` POST (with the time it arrived) and
answers like Twilio does (`SM...` / `CA...` sids, status `queued`). Switches make the next
N requests fail with HTTP 500 or with a given Twilio error code (e.g. 21610), so retry and
opt-out handling can be exercised without the network. Point TWILIO_API_BASE at `.url`.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qsl

from aiohttp import web

#: Twilio error code -> HTTP status Twilio answers with.
ERROR_STATUS = {21610: 400, 21211: 400, 21614: 400, 20429: 429}


@dataclass(frozen=True)
class RecordedRequest:
    """One REST call the stand-in received."""

    kind: str  # "message" | "call"
    account_sid: str
    form: Dict[str, str]
    sid: Optional[str]
    status: int
    received_at: float = field(default_factory=time.perf_counter)

    @property
    def to(self) -> str:
        return self.form.get("To", "")

    @property
    def body(self) -> str:
        return self.form.get("Body", "")


class TwilioStandIn:
    """Run with `start()` / `stop()` (or as a context manager); inspect `.requests`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.requests: List[RecordedRequest] = []
        # accepted messages per recipient: benchmarks poll this for hundreds of numbers at
        # once, and a scan of every request per poll would starve the server thread
        self._messages_to: Dict[str, List[RecordedRequest]] = {}
        self._failures: List[Tuple[int, Optional[int]]] = []
        self._cond = threading.Condition()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._runner: Optional[web.AppRunner] = None
        self._started = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def fail_next(self, count: int, *, status: int = 500, code: Optional[int] = None) -> None:
        """Make the next `count` requests fail: with `code` (Twilio error) or HTTP `status`."""
        with self._cond:
            http_status = ERROR_STATUS.get(code, 400) if code is not None else status
            self._failures.extend([(http_status, code)] * count)

    def messages(self, to: Optional[str] = None) -> List[RecordedRequest]:
        """Successfully accepted messages, optionally only those to `to`, in arrival order."""
        with self._cond:
            if to is not None:
                return list(self._messages_to.get(to, ()))
            return [r for r in self.requests if r.kind == "message" and r.sid]

    def calls(self) -> List[RecordedRequest]:
        with self._cond:
            return [r for r in self.requests if r.kind == "call" and r.sid]

    def wait_for_messages(self, count: int, to: Optional[str] = None,
                          timeout: float = 30.0) -> List[RecordedRequest]:
        """Block until `count` messages (to `to`) were accepted; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.messages(to)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"stand-in saw {len(found)} of {count} messages")
                self._cond.wait(remaining)

    def reset(self) -> None:
        with self._cond:
            self.requests.clear()
            self._messages_to.clear()
            self._failures.clear()

    async def _handle(self, request: web.Request) -> web.Response:
        kind = "message" if request.match_info["resource"] == "Messages" else "call"
        form = dict(parse_qsl(await request.text(), keep_blank_values=True))
        account_sid = request.match_info["sid"]
        with self._cond:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            status, code = failure
            self._record(RecordedRequest(kind, account_sid, form, None, status))
            body = {"code": code or status, "message": f"stand-in failure {code or status}",
                    "more_info": f"https://www.twilio.com/docs/errors/{code or status}",
                    "status": status}
            return web.json_response(body, status=status)
        sid = ("SM" if kind == "message" else "CA") + secrets.token_hex(16)
        self._record(RecordedRequest(kind, account_sid, form, sid, 201))
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        common = {"sid": sid, "account_sid": account_sid, "to": form.get("To"),
                  "from": form.get("From"), "status": "queued", "date_created": now,
                  "date_updated": now, "api_version": "2010-04-01",
                  "uri": f"/2010-04-01/Accounts/{account_sid}/{request.match_info['resource']}/{sid}.json"}
        if kind == "message":
            common.update({"body": form.get("Body", ""), "num_segments": "1", "direction": "outbound-api",
                           "price": None, "error_code": None, "error_message": None})
        else:
            common.update({"direction": "outbound-api", "duration": None, "answered_by": None})
        return web.json_response(common, status=201)

    def _record(self, request: RecordedRequest) -> None:
        with self._cond:
            self.requests.append(request)
            if request.kind == "message" and request.sid:
                self._messages_to.setdefault(request.to, []).append(request)
            self._cond.notify_all()

    def start(self) -> TwilioStandIn:
        """Serve in a background thread; returns once the port is bound."""
        self._thread = threading.Thread(target=self._serve, name="twilio-standin", daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("Twilio stand-in did not start")
        return self

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        app = web.Application()
        app.router.add_post(r"/2010-04-01/Accounts/{sid}/{resource:(Messages|Calls)}.json",
                            self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, self.host, self.port)
        loop.run_until_complete(site.start())
        server = site._server  # the bound socket tells us the port when port=0
        if server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        self._started.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> TwilioStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:  # pragma: no cover - manual use
    import argparse

    parser = argparse.ArgumentParser(description="Local Twilio REST stand-in")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    standin = TwilioStandIn(port=args.port).start()
    print(standin.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
