"""Does a message ask to move a promised date? "actually can we make it monday instead",
"can i push it to the 10th", "能改到下周一吗", "推迟到月底". Read with a date in the message
and an open promise on file (actions/negotiation.py `move_promise`): the same promise on
the new date, not a second one."""

from __future__ import annotations

import re

_MOVE = re.compile(
    r"\binstead\b|\bmove\b|\bmoved\b|\bchange\b|\breschedule\b|\bpush\b|\bpostpone\b|\bmake\s+it\b|"
    r"\bswitch\b|\bdelay\b|\bcan\s+it\s+be\b|\bshift\b|"
    r"改到|改成|改为|改在|改一下|换到|换成|推迟|推到|延到|延后|挪到|往后|延期|改天", re.I)


def asks_to_move_date(text: str) -> bool:
    """The message asks to change a date already agreed (the caller checks for a date)."""
    return bool(_MOVE.search(text or ""))
