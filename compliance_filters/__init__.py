"""compliance_filters: the gate every outgoing word passes.

A pure library (no Rasa, Twilio or database imports): rule packs as data, contact
windows over every possible time zone, frequency caps over a history passed in, consent
and status gates, the third-party disclosure guard, a spaCy phrase filter for banned
content, required content, and redaction for logs. `gate` combines them into one Decision.

Names are loaded on first use (PEP 562): `collectbot compliance text` needs the phrase
filter only, and importing the gate would load phonenumbers and the zone tables too
(start-up time, issue 13 item 10). `from compliance_filters import gate` works as before.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

_WHERE = {
    "check_caps": "caps", "check_disclosure": "disclosure", "check_voicemail": "disclosure",
    "gate": "gate", "keyword_action": "keywords", "ContactRecord": "model", "Decision": "model",
    "InconvenientTime": "model", "OutgoingMessage": "model", "Reason": "model", "Recipient": "model",
    "WindowResult": "model", "Pack": "packs", "PackError": "packs", "load_pack": "packs",
    "check_text": "phrases", "redact": "redaction", "add_required_content": "required",
    "check_required_content": "required", "check_status": "status", "check_window": "windows",
    "ZoneError": "zones", "zones_for_phone": "zones",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'compliance_filters' has no attribute {name!r}")
    value = getattr(import_module(f"compliance_filters.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from compliance_filters.caps import check_caps
    from compliance_filters.disclosure import check_disclosure, check_voicemail
    from compliance_filters.gate import gate
    from compliance_filters.keywords import keyword_action
    from compliance_filters.model import (
        ContactRecord,
        Decision,
        InconvenientTime,
        OutgoingMessage,
        Reason,
        Recipient,
        WindowResult,
    )
    from compliance_filters.packs import Pack, PackError, load_pack
    from compliance_filters.phrases import check_text
    from compliance_filters.redaction import redact
    from compliance_filters.required import add_required_content, check_required_content
    from compliance_filters.status import check_status
    from compliance_filters.windows import check_window
    from compliance_filters.zones import ZoneError, zones_for_phone

__all__ = [
    "ContactRecord", "Decision", "InconvenientTime", "OutgoingMessage", "Pack", "PackError",
    "Reason", "Recipient", "WindowResult", "ZoneError", "add_required_content", "check_caps",
    "check_disclosure", "check_required_content", "check_status", "check_text", "check_voicemail",
    "check_window", "gate", "keyword_action", "load_pack", "redact", "zones_for_phone",
]
