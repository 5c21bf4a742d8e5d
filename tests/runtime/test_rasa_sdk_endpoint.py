"""The action server runs as rasa-sdk's, with its loaded objects frozen out of the GC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot.runtime import rasa_sdk_endpoint
from bot.runtime.action_server import free_port, stop_process, wait_http

ROOT = Path(__file__).resolve().parents[2]


def _call(port: int, body: dict) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhook",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_freeze_moves_live_objects_out_of_the_collector() -> None:
    import gc

    try:
        assert rasa_sdk_endpoint.freeze() > 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_action_server_serves_actions_and_freezes_twice(tmp_path: Path) -> None:
    """A real child: healthy, answers rasa-sdk's webhook (an unknown action is rasa-sdk's
    404), freezes once it has started and once more after REFREEZE_AFTER calls."""
    port = free_port()
    log = tmp_path / "actions.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.runtime.rasa_sdk_endpoint", "--actions", "actions",
             "--port", str(port)], cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    try:
        wait_http(f"http://127.0.0.1:{port}/health", 120, proc)
        body = {"next_action": "action_that_does_not_exist", "sender_id": "x",
                "tracker": {"sender_id": "x", "slots": {}, "events": [],
                            "latest_message": {}, "paused": False,
                            "followup_action": None, "active_loop": {},
                            "latest_action_name": None},
                "domain": {}, "version": "3.6.0"}
        statuses = {_call(port, body) for _ in range(rasa_sdk_endpoint.REFREEZE_AFTER)}
        assert statuses == {404}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace")
            if f"after {rasa_sdk_endpoint.REFREEZE_AFTER} action calls" in text:
                break
            time.sleep(0.2)
        text = log.read_text(errors="replace")
        assert "froze" in text and "(server started)" in text, text[-2000:]
        assert f"(after {rasa_sdk_endpoint.REFREEZE_AFTER} action calls)" in text, text[-2000:]
    finally:
        stop_process(proc)
