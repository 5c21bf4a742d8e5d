"""The acknowledgement bench's wrk client (bench/ack_wrk.lua via `_wrk_level`): each
pre-signed webhook sent once, and a server closing idle kept-alive connections after the
last answer (Sanic does after 5 s) is not an error: wrk stops at the last response."""

from __future__ import annotations

import asyncio
import shutil
import threading
from typing import Iterator, List, Optional

import pytest

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")

IDLE_CLOSE_SECONDS = 0.3


class _KeepAliveServer(asyncio.Protocol):
    """HTTP/1.1 with keep-alive: 200 with an empty body for each request; a connection idle
    for IDLE_CLOSE_SECONDS is closed, as Sanic closes one after its keep-alive timeout."""

    bodies: List[bytes]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.buffer = b""
        self.idle: Optional[asyncio.TimerHandle] = None
        self._arm()

    def _arm(self) -> None:
        if self.idle is not None:
            self.idle.cancel()
        self.idle = asyncio.get_running_loop().call_later(IDLE_CLOSE_SECONDS,
                                                          self.transport.close)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, rest = self.buffer.split(b"\r\n\r\n", 1)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(rest) < length:
                return
            self.bodies.append(rest[:length])
            self.buffer = rest[length:]
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")  # type: ignore[attr-defined]
        self._arm()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if self.idle is not None:
            self.idle.cancel()


@pytest.fixture
def keep_alive_server() -> Iterator[tuple]:
    loop = asyncio.new_event_loop()
    bodies: List[bytes] = []
    started = threading.Event()
    holder: dict = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        def factory() -> _KeepAliveServer:
            protocol = _KeepAliveServer()
            protocol.bodies = bodies
            return protocol

        server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", 0))
        holder["port"] = server.sockets[0].getsockname()[1]
        started.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield f"http://127.0.0.1:{holder['port']}", bodies
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_wrk_sends_each_webhook_once_and_idle_connections_closing_is_no_error(
        keep_alive_server):
    from bench.pipeline_bench import _wrk_level

    base, bodies = keep_alive_server
    phones = [f"+1212555{n:04d}" for n in range(5)]
    level = _wrk_level(base, phones, 2, public=base, auth_token="token",
                       to_number="+15005550006")
    assert level["errors"] == 0 and level["requests"] == 10
    assert len(level["sids"]) == 10
    sent = sorted(sid for body in bodies for sid in level["sids"] if sid.encode() in body)
    assert sent == sorted(level["sids"])  # each exactly once
    assert len(bodies) == 10
