"""The export kinds and their columns, apart from the export code: the CLI's argument parser
needs the names, and importing them must not load SQLAlchemy and the models (start-up time of
every `collectbot` command, issue 13 item 10)."""

from __future__ import annotations

from typing import Dict, List

FIELDS: Dict[str, List[str]] = {
    "contacts": ["id", "account_id", "channel", "direction", "at", "to", "from", "status",
                 "reasons", "text", "provider_sid", "outcome"],
    "arrangements": ["id", "account_id", "kind", "total", "currency", "installments", "status",
                     "created_at"],
    "handoffs": ["id", "account_id", "reason", "created_at", "status", "agent"],
    "optouts": ["account_id", "phone", "channel", "at", "source"],
    "payments": ["id", "account_id", "amount", "currency", "paid_at", "reference",
                 "arrangement_id"],
    # issue 14 (reports): what the KPIs rest on and the exports above do not show
    "verifications": ["id", "account_id", "phone", "at"],
    "handoff_times": ["id", "account_id", "reason", "created_at", "due_at", "first_reply_at"],
    "campaign_sends": ["id", "account_id", "campaign", "step_key", "local_day", "channel",
                       "status", "reasons", "created_at"],
}
KINDS = tuple(FIELDS)
FORMATS = ("jsonl", "csv")
