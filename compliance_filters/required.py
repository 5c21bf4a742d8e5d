"""Required content: what the pack says a message must carry, and adding it.

us: every SMS carries the opt-out line; the first conversation with a verified debtor
carries the mini-Miranda disclosure and every later one says it is from a debt collector
(Reg F 1006.18(e)); a verified debtor's time-barred debt carries the disclosure that they
cannot be sued for it. cn: SMS carry 回复TD退订; an outbound call opens with
the recording notice. Presence is detected loosely (case, width and spacing ignored) so a
template that already says it in its own words is not given a second copy.
"""

from __future__ import annotations

from typing import List

from compliance_filters.model import Decision, OutgoingMessage, Reason, Recipient
from compliance_filters.normalize import fast_simplified, fold_width
from compliance_filters.packs import Pack, RequiredItem


def _compact(text: str) -> str:
    return "".join(fast_simplified(fold_width(text)).lower().split())


def applicable(pack: Pack, message: OutgoingMessage, recipient: Recipient) -> List[RequiredItem]:
    """The required items that apply to this message and recipient."""
    items = []
    for item in pack.required:
        if message.channel not in item.channels or message.kind not in item.kinds:
            continue
        if item.name in message.given:  # said earlier in this communication (a call)
            continue
        if item.when == "first_verified_conversation" and (
                not recipient.verified or recipient.mini_miranda_given):
            continue
        # Reg F 1006.18(e)(2): every later communication says it is from a debt collector
        if item.when == "subsequent" and (not recipient.verified or not recipient.mini_miranda_given):
            continue
        if item.when == "time_barred" and not (recipient.verified and recipient.time_barred):
            continue
        items.append(item)
    return items


def is_present(item: RequiredItem, text: str) -> bool:
    compact = _compact(text)
    return any(all(part in compact for part in group) for group in item.detect)


def missing_items(pack: Pack, message: OutgoingMessage, recipient: Recipient) -> List[RequiredItem]:
    return [item for item in applicable(pack, message, recipient) if not is_present(item, message.text)]


def _text_for(item: RequiredItem, language: str) -> str:
    return item.text.get(language) or item.text.get("en") or next(iter(item.text.values()))


def add_required_content(pack: Pack, message: OutgoingMessage, recipient: Recipient) -> str:
    """`message.text` with whatever the pack requires and it lacks appended."""
    text = message.text
    for item in missing_items(pack, message, recipient):
        addition = _text_for(item, recipient.language)
        stripped = text.rstrip()
        if not stripped:
            text = addition
        elif recipient.language == "zh" or stripped[-1] in "。！？":
            text = stripped + ("" if stripped[-1] in "。！？.!?" else "。") + addition
        else:
            text = stripped + ("" if stripped[-1] in ".!?" else ".") + " " + addition
    return text


def check_required_content(pack: Pack, message: OutgoingMessage, recipient: Recipient) -> Decision:
    """Blocked with `required.<name>` reasons (and `missing`) when something is lacking."""
    missing = missing_items(pack, message, recipient)
    if not missing:
        return Decision.allow()
    names = tuple(item.name for item in missing)
    return Decision.block(*(Reason(f"required.{n}", "") for n in names), missing=names)
