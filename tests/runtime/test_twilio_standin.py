"""The Twilio stand-in's own HTTP: kept-alive connections, Twilio's routes only, clear
refusals of what it does not speak."""

from __future__ import annotations

import json
import socket
from typing import Any, Dict, Tuple

import pytest

from bot.runtime.twilio_standin import TwilioStandIn

PATH = "/2010-04-01/Accounts/AC123/Messages.json"


@pytest.fixture
def standin():
    _readers.clear()
    with TwilioStandIn() as server:
        yield server


def _exchange(sock: socket.socket, request: bytes) -> Tuple[int, Dict[str, str], bytes]:
    """Send `request` (if any) on `sock`; the status, headers and body of the next answer
    (read through the socket's one buffered reader, so pipelined answers are not lost)."""
    if request:
        sock.sendall(request)
    reader = _readers.setdefault(sock.fileno(), sock.makefile("rb"))
    status_line = reader.readline().decode("latin-1")
    assert status_line, "connection closed before an answer"
    headers: Dict[str, str] = {}
    for line in iter(reader.readline, b"\r\n"):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", "0")))
    return int(status_line.split(" ")[1]), headers, body


_readers: Dict[int, Any] = {}


def _post(path: str, form: str, *, extra: str = "") -> bytes:
    body = form.encode()
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\n{extra}"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def test_several_requests_share_one_kept_alive_connection(standin):
    with socket.create_connection(("127.0.0.1", standin.port), timeout=5) as sock:
        # two requests in one write: both answered, in order
        sock.sendall(_post(PATH, "To=%2B1555&From=%2B1500&Body=one")
                     + _post(PATH, "To=%2B1555&From=%2B1500&Body=two%20%E4%BD%A0"))
        status, headers, body = _exchange(sock, b"")
        assert status == 201 and headers["connection"] == "keep-alive"
        assert json.loads(body)["body"] == "one"
        status, _, body = _exchange(sock, b"")
        assert status == 201 and json.loads(body)["body"] == "two 你"
        status, _, body = _exchange(sock, _post(PATH, "To=%2B1555&From=%2B1500&Body=three"))
        assert status == 201 and json.loads(body)["body"] == "three"
    assert [m.body for m in standin.messages("+1555")] == ["one", "two 你", "three"]
    assert standin.message_count("+1555") == 3 and standin.message_count("+1666") == 0


def test_a_failure_switch_answers_with_twilios_error_body(standin):
    standin.fail_next(1, code=21610)
    with socket.create_connection(("127.0.0.1", standin.port), timeout=5) as sock:
        status, _, body = _exchange(sock, _post(PATH, "To=%2B1555&Body=x"))
    assert (status, json.loads(body)["code"]) == (400, 21610)
    assert standin.messages() == [] and standin.requests[0].status == 400


@pytest.mark.parametrize("request_bytes,expected", [
    (_post("/2010-04-01/Accounts/AC1/Other.json", "To=1"), 404),
    (b"GET " + PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    (b"POST " + PATH.encode() + b" HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411),
    (b"POST " + PATH.encode() + b" HTTP/1.1\r\nContent-Length: many\r\n\r\n", 400),
    (b"garbage\r\n\r\n", 400),
])
def test_what_twilio_would_not_answer_is_refused(standin, request_bytes, expected):
    with socket.create_connection(("127.0.0.1", standin.port), timeout=5) as sock:
        status, _, _ = _exchange(sock, request_bytes)
    assert status == expected
    assert standin.requests == []


def test_connection_close_is_honoured(standin):
    with socket.create_connection(("127.0.0.1", standin.port), timeout=5) as sock:
        status, headers, _ = _exchange(sock, _post(PATH, "To=%2B1&Body=x",
                                                   extra="Connection: close\r\n"))
        assert status == 201 and headers["connection"] == "close"
        assert sock.recv(10) == b""  # closed by the stand-in


def test_a_taken_port_is_a_clear_error(standin):
    with pytest.raises(RuntimeError, match="did not start"):
        TwilioStandIn(port=standin.port).start()
