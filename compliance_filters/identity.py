"""Collector identification at the start of a cn collection call (issue 13 item 8).

GB/T 45251-2025 and the CBA guideline require the collector to name themselves (name or
staff number, 工号) and the institution at the start of a call, and calls to be recorded
when the opening says they are (`Pack.record_calls`). `check_collector_identity` checks an
opening line; the voice channel decides when to call it (not wired into `gate`, so
existing openings keep working until the channel supplies a name or 工号).
"""

from __future__ import annotations

import re

from compliance_filters.model import Decision, Reason
from compliance_filters.normalize import fast_simplified, fold_width

_STAFF = re.compile(r"工号\s*[:：]?\s*[0-9a-z]{2,}|我是[^\s，。,.]{1,12}的[^\s，。,.\d]{2,4}|我(?:叫|姓)[^\s，。,.\d]"
                    r"|我是(?:客服|专员|催收员|经理|调解员)[^\s，。,.\d]{2,4}")
_INSTITUTION = re.compile(r"[^\s，。,.]{2,20}(?:公司|银行|机构|中心|集团|服务)")


def check_collector_identity(opening: str) -> Decision:
    """Blocked ("identity.collector" / "identity.institution") unless `opening` names the
    collector (a name or a 工号) and the institution."""
    folded = fast_simplified(fold_width(opening)).lower()
    reasons = []
    if not _STAFF.search(folded):
        reasons.append(Reason("identity.collector", "the collector's name or 工号"))
    if not _INSTITUTION.search(folded):
        reasons.append(Reason("identity.institution", "the institution's name"))
    return Decision.block(*reasons) if reasons else Decision.allow()
