"""A local stand-in for Twilio's REST API, for tests, the demo and the benchmark.

It records every `Messages.json` / `Calls.json` POST (with the time it arrived) and
answers like Twilio does (`SM...` / `CA...` sids, status `queued`). Switches make the next
N requests fail with HTTP 500 or with a given Twilio error code (e.g. 21610), so retry and
opt-out handling can be exercised without the network. Point TWILIO_API_BASE at `.url`.

It speaks HTTP/1.1 itself on a bare asyncio protocol (keep-alive, Content-Length bodies)
rather than through a web framework: in the throughput benchmark it shares the host's
cores with the system it measures, and a framework's routing, request and response
objects cost it several times the CPU of the little this needs (see
`bench.throughput_bench`, which reports the stand-in's CPU per turn).
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

#: Twilio error code -> HTTP status Twilio answers with.
ERROR_STATUS = {21610: 400, 21211: 400, 21614: 400, 20429: 429}
#: the REST resources the stand-in answers (anything else is a 404)
ROUTE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/(Messages|Calls)\.json$")
#: a request head larger than this is refused (nothing Twilio's client sends comes close)
MAX_HEAD = 64 * 1024
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found",
           405: "Method Not Allowed", 411: "Length Required", 429: "Too Many Requests",
           431: "Request Header Fields Too Large", 500: "Internal Server Error"}


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


class _HttpConnection(asyncio.Protocol):
    """One client connection: parses requests as they complete, answers each in order."""

    def __init__(self, standin: TwilioStandIn) -> None:
        self.standin = standin
        self.transport: Optional[asyncio.Transport] = None
        self.buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self._respond(431, b"", close=True)
                return
            lines = bytes(self.buffer[:head_end]).decode("latin-1").split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                self._respond(400, b"", close=True)
                return
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self._respond(411, b"", close=True)  # the REST client always sends a length
                return
            try:
                length = int(headers.get("content-length", "0"))
            except ValueError:
                self._respond(400, b"", close=True)
                return
            if len(self.buffer) < head_end + 4 + length:
                return  # the body is still on its way
            body = bytes(self.buffer[head_end + 4:head_end + 4 + length])
            del self.buffer[:head_end + 4 + length]
            connection = headers.get("connection", "").lower()
            close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
            status, payload = self.standin._answer(method, urlsplit(target).path, body)
            self._respond(status, payload, close=close)

    def _respond(self, status: int, payload: bytes, *, close: bool) -> None:
        assert self.transport is not None
        head = (f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n")
        self.transport.write(head.encode("latin-1") + payload)
        if close:
            self.transport.close()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.transport = None


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
        self._started = threading.Event()
        self._error: Optional[BaseException] = None

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

    def message_count(self, to: str) -> int:
        """How many messages to `to` were accepted (no copy: for pollers)."""
        with self._cond:
            return len(self._messages_to.get(to, ()))

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

    def _answer(self, method: str, path: str, body: bytes) -> Tuple[int, bytes]:
        """(HTTP status, JSON body) for one request, recorded when it is a REST call."""
        route = ROUTE.match(path)
        if route is None:
            return 404, b'{"code": 20404, "message": "not found", "status": 404}'
        if method != "POST":
            return 405, b'{"code": 20004, "message": "method not allowed", "status": 405}'
        account_sid, resource = route.group(1), route.group(2)
        kind = "message" if resource == "Messages" else "call"
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        with self._cond:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            status, code = failure
            self._record(RecordedRequest(kind, account_sid, form, None, status))
            error = {"code": code or status, "message": f"stand-in failure {code or status}",
                     "more_info": f"https://www.twilio.com/docs/errors/{code or status}",
                     "status": status}
            return status, json.dumps(error).encode("utf-8")
        sid = ("SM" if kind == "message" else "CA") + secrets.token_hex(16)
        self._record(RecordedRequest(kind, account_sid, form, sid, 201))
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        common: Dict[str, Any] = {
            "sid": sid, "account_sid": account_sid, "to": form.get("To"),
            "from": form.get("From"), "status": "queued", "date_created": now,
            "date_updated": now, "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{account_sid}/{resource}/{sid}.json"}
        if kind == "message":
            common.update({"body": form.get("Body", ""), "num_segments": "1",
                           "direction": "outbound-api", "price": None, "error_code": None,
                           "error_message": None})
        else:
            common.update({"direction": "outbound-api", "duration": None, "answered_by": None})
        return 201, json.dumps(common).encode("utf-8")

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
        if not self._started.wait(10) or self._error is not None:
            raise RuntimeError(f"Twilio stand-in did not start: {self._error!r}")
        return self

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            server = loop.run_until_complete(loop.create_server(
                lambda: _HttpConnection(self), self.host, self.port, backlog=1024))
        except OSError as exc:  # the port is taken: start() reports it
            self._error = exc
            self._started.set()
            loop.close()
            return
        self.port = server.sockets[0].getsockname()[1]  # the bound port when port=0
        self._started.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()

    def stop(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
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
