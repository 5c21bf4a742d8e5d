"""Simulated debtors for locust: each texts the running assistant through the real,
Twilio-signed SMS webhook, pausing between messages like a person would.

Configured by the environment (bench/load/run.py sets it): LOAD_PHONES_FILE (one E.164
number per line; each user takes the next), LOAD_PUBLIC_URL (what signatures cover),
LOAD_AUTH_TOKEN, LOAD_TWILIO_NUMBER, LOAD_THINK_SECONDS, LOAD_SIDS_FILE (acknowledged MessageSids are written
there when the run stops, so the harness can check that none was lost).
"""

from __future__ import annotations

import itertools
import os
import random
import uuid

from locust import HttpUser, between, events, task
from twilio.request_validator import RequestValidator

PHONES = [p.strip() for p in open(os.environ["LOAD_PHONES_FILE"], encoding="utf-8") if p.strip()]
_next_phone = itertools.cycle(PHONES)
PUBLIC_URL = os.environ["LOAD_PUBLIC_URL"]
VALIDATOR = RequestValidator(os.environ["LOAD_AUTH_TOKEN"])
OUR_NUMBER = os.environ.get("LOAD_TWILIO_NUMBER", "+15005550006")
#: seconds a debtor pauses between texts ("min,max"; run.py --think sets it)
THINK = [float(x) for x in os.environ.get("LOAD_THINK_SECONDS", "2,6").split(",")]
LINES = ["hi", "who is this?", "what do I owe?", "can I pay next week?", "I can pay 50 now",
         "why are you texting me?", "ok", "thanks"]
ACKED: list[str] = []


class Debtor(HttpUser):
    wait_time = between(THINK[0], THINK[1])

    def on_start(self) -> None:
        self.phone = next(_next_phone)

    @task
    def text(self) -> None:
        sid = "SM" + uuid.uuid4().hex
        params = {"From": self.phone, "To": OUR_NUMBER, "Body": random.choice(LINES),
                  "MessageSid": sid, "AccountSid": "AC" + "0" * 32}
        path = "/webhooks/twilio/webhook"
        signature = VALIDATOR.compute_signature(PUBLIC_URL + path, params)
        with self.client.post(path, data=params, headers={"X-Twilio-Signature": signature},
                              name="sms webhook", catch_response=True) as resp:
            if resp.status_code == 200 and "<Response" in resp.text:
                ACKED.append(sid)
                resp.success()
            else:
                resp.failure(f"HTTP {resp.status_code}")


@events.test_stop.add_listener
def _write_sids(**_: object) -> None:
    with open(os.environ["LOAD_SIDS_FILE"], "w", encoding="utf-8") as out:
        out.write("\n".join(ACKED))
