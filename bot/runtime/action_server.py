"""Starting the rasa-sdk action server (package `actions`) next to the assistant.

It runs as a child process so that a crash in a custom action cannot take the channels
down, and so `collectbot run` / `chat` / `demo` can stop it cleanly with the parent.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Mapping, Optional

from bot.config import get_settings


def die_with_parent() -> None:
    """In a child, before exec: SIGTERM it when the parent dies, however the parent died."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: children are still stopped on a normal exit
        pass


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float, proc: Optional[subprocess.Popen] = None) -> None:
    """Poll `url` until it answers 200; RuntimeError if `proc` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[2] if len(proc.args) > 2 else proc.args} exited "
                               f"with code {proc.returncode} while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s")


#: seconds an action server may take to answer its health check after it was started
#: (COLLECTBOT_ACTION_START_TIMEOUT: a benchmark on a crowded host needs longer)
DEFAULT_START_TIMEOUT = 120.0


def start_action_server(port: int = 5055, *, env: Optional[Mapping[str, str]] = None,
                        quiet: bool = True, timeout: Optional[float] = None) -> subprocess.Popen:
    """Start the action server (`python -m bot.runtime.rasa_sdk_endpoint --actions actions`:
    rasa-sdk's, with its loaded objects frozen out of the garbage collector) on `port` and
    wait until it is healthy
    (`timeout`, else COLLECTBOT_ACTION_START_TIMEOUT, else DEFAULT_START_TIMEOUT seconds)."""
    if timeout is None:
        raw = os.environ.get("COLLECTBOT_ACTION_START_TIMEOUT", "")
        try:
            timeout = float(raw) if raw else DEFAULT_START_TIMEOUT
        except ValueError:
            raise ValueError(f"COLLECTBOT_ACTION_START_TIMEOUT is not a number: {raw!r}") \
                from None
    child_env = dict(os.environ if env is None else env)
    child_env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    out = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.runtime.rasa_sdk_endpoint", "--actions", "actions",
         "--port", str(port)],
        cwd=str(get_settings().home), env=child_env, stdout=out, stderr=out,
        preexec_fn=die_with_parent,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout, proc)
    except Exception:
        stop_process(proc)
        raise
    return proc


def stop_process(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate a child we started, killing it if it does not stop in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
