"""The one configuration reader.

All environment variables the product understands are read here and nowhere else, so
that a deployment has one place to look and tests can build a `Settings` explicitly.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_file(path: Path) -> str:
    """Read a development secret from `path`, creating it on first use.

    Production sets the variable; a developer's machine gets a random local secret
    under var/ so nothing secret is ever committed.
    """
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)
    return value


@dataclass(frozen=True)
class Settings:
    home: Path
    var_dir: Path
    database_url: str
    redis_url: Optional[str]
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_number: str
    public_url: str
    collectbot_url: str
    api_token: str
    twilio_api_base: Optional[str]
    hmac_key: str
    agent_number: str
    callback_number: str
    company_name: str
    payment_link_template: str
    enable_rest_channel: bool
    console_password: Optional[str]
    # --- message pipeline ---
    inbox_workers: int = 4
    inbox_max_attempts: int = 4
    pipeline_lease_seconds: float = 120.0
    pipeline_retry_base_seconds: float = 1.0
    outbox_max_attempts: int = 6
    #: turn worker processes of `collectbot run` (None: one per core when REDIS_URL is set,
    #: else 0: the serving process runs the turns itself, as one replica without Redis must)
    turn_processes: Optional[int] = None
    #: internal, set by `collectbot run` for its children: "all" (serve and run turns),
    #: "front" (serve, acknowledge, no SMS turns) or "turns" (run turns, serve nothing public)
    process_role: str = "all"
    #: how much lower a turn process (and its action server) runs than the front process
    #: (os.nice increment), so a burst of turns cannot starve the webhook acknowledgements.
    #: Default 0: measured on a shared 2-core host, 10 did not lower the acknowledgement p99
    #: (907 vs 932 ms at 200 concurrent) but let other work starve the turns ((c)/(b) turns/s
    #: 0.34 vs 1.51); on a host of its own an operator may set it higher.
    turn_nice: int = 0
    # campaigns, payments and risk tiers (issue 11)
    promise_grace_days: int = 2
    sends_per_second: float = 1.0
    worker_tick_seconds: float = 60.0
    # console: idle minutes before a login expires; per-reason SLA ("complaint=2h,distress=15m")
    console_session_minutes: int = 30
    handoff_sla: str = ""
    # reports (issue 14): early-warning thresholds per UTC day ("complaints=3,opt_outs=5,...")
    alert_thresholds: str = ""
    # compliance wiring (issue 13 follow-up): the natural person a voicemail names for the
    # call-back (12 CFR 1006.2(j)), the collector's staff number (工号) and the institution's
    # Chinese name for the cn call opening (GB/T 45251-2025)
    caller_name: str = "Alex Morgan"
    caller_staff_id: str = "1024"
    company_name_zh: str = "北风信息服务有限公司"
    # voice (issue 15): a speech result Twilio is less sure of than this is asked again
    # rather than guessed at (its `Confidence`, 0..1; keypad input is always certain)
    voice_min_confidence: float = 0.4
    # demos and replays: every process of the assistant starts its clock at this ISO instant
    clock_start: Optional[str] = None

    def company_for(self, language: Optional[str]) -> str:
        """The institution's name as a debtor of `language` hears it: one name per
        conversation, so a zh call that opens with the Chinese name (GB/T 45251-2025) does not
        introduce itself under the English one a sentence later."""
        return self.company_name_zh if language == "zh" else self.company_name

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def spacy_model_dir(self) -> Path:
        return self.var_dir / "spacy"


def load_settings(env: Optional[Mapping[str, str]] = None) -> Settings:
    """Build settings from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    home = Path(env.get("COLLECTBOT_HOME", str(PROJECT_ROOT))).resolve()
    var_dir = Path(env.get("COLLECTBOT_VAR", str(home / "var"))).resolve()
    db_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'collectbot.db'}"
    api_token = env.get("COLLECTBOT_API_TOKEN") or _secret_file(var_dir / "api_token")
    hmac_key = env.get("COLLECTBOT_HMAC_KEY") or _secret_file(var_dir / "hmac.key")
    return Settings(
        home=home,
        var_dir=var_dir,
        database_url=db_url,
        redis_url=env.get("REDIS_URL") or None,
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32),
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", "dev-auth-token"),
        twilio_number=env.get("TWILIO_NUMBER", "+15005550006"),
        public_url=env.get("PUBLIC_URL", "http://127.0.0.1:5005").rstrip("/"),
        collectbot_url=env.get("COLLECTBOT_URL", "http://127.0.0.1:5005").rstrip("/"),
        api_token=api_token,
        twilio_api_base=env.get("TWILIO_API_BASE") or None,
        hmac_key=hmac_key,
        agent_number=env.get("COLLECTBOT_AGENT_NUMBER", "+15005550007"),
        callback_number=env.get("COLLECTBOT_CALLBACK_NUMBER", "+1 800 555 0199"),
        company_name=env.get("COLLECTBOT_COMPANY", "Northwind Services"),
        payment_link_template=env.get(
            "PAYMENT_LINK_TEMPLATE", "https://pay.example.com/{account_id}?amount={amount}"
        ),
        enable_rest_channel=env.get("COLLECTBOT_ENABLE_REST", "0") in ("1", "true", "yes"),
        console_password=env.get("COLLECTBOT_CONSOLE_PASSWORD") or None,
        inbox_workers=int(env.get("COLLECTBOT_INBOX_WORKERS", "4")),
        inbox_max_attempts=int(env.get("COLLECTBOT_INBOX_MAX_ATTEMPTS", "4")),
        pipeline_lease_seconds=float(env.get("COLLECTBOT_PIPELINE_LEASE_SECONDS", "120")),
        pipeline_retry_base_seconds=float(env.get("COLLECTBOT_PIPELINE_RETRY_SECONDS", "1")),
        outbox_max_attempts=int(env.get("COLLECTBOT_OUTBOX_MAX_ATTEMPTS", "6")),
        turn_processes=int(env["COLLECTBOT_TURN_PROCESSES"])
        if env.get("COLLECTBOT_TURN_PROCESSES") else None,
        process_role=env.get("COLLECTBOT_PROCESS_ROLE") or "all",
        turn_nice=int(env.get("COLLECTBOT_TURN_NICE") or 0),
        promise_grace_days=int(env.get("COLLECTBOT_PROMISE_GRACE_DAYS", "2")),
        sends_per_second=float(env.get("COLLECTBOT_SENDS_PER_SECOND", "1")),
        worker_tick_seconds=float(env.get("COLLECTBOT_WORKER_TICK_SECONDS", "60")),
        console_session_minutes=int(env.get("COLLECTBOT_CONSOLE_SESSION_MINUTES") or 30),
        handoff_sla=env.get("COLLECTBOT_HANDOFF_SLA", ""),
        alert_thresholds=env.get("COLLECTBOT_ALERT_THRESHOLDS", ""),
        caller_name=env.get("COLLECTBOT_CALLER_NAME") or "Alex Morgan",
        caller_staff_id=env.get("COLLECTBOT_CALLER_STAFF_ID") or "1024",
        company_name_zh=env.get("COLLECTBOT_COMPANY_ZH") or "北风信息服务有限公司",
        clock_start=env.get("COLLECTBOT_CLOCK_START") or None,
        voice_min_confidence=_fraction(env, "COLLECTBOT_VOICE_MIN_CONFIDENCE", 0.4),
    )


def _fraction(env: Mapping[str, str], name: str, default: float) -> float:
    """A 0..1 setting; anything else is refused at start-up with the variable's name."""
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number between 0 and 1, not {raw!r}") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, not {raw!r}")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (tests that change the environment call this)."""
    get_settings.cache_clear()
